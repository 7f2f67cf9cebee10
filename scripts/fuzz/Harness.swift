// The libFuzzer entry point of scripts/fuzz-lib: xbarsim's own parsers and
// decoders, called in-process with coverage feedback under AddressSanitizer.
// A trap, a crash, an invalid memory access, a leak or a slow input is a
// finding; an error thrown is the right answer to bad input.
//
// Built by scripts/fuzz-lib (not by `swift build`) together with every file
// of the xbarsim command but main.swift; the target comes from the
// environment, XBARSIM_FUZZ_TARGET:
//   gzip     _Gzip.decompress (the DEFLATE decoder) on the bytes
//   idx      IDXDataset.read on the bytes as a file, as labels (rank 1)
//            and as images (rank 3), plain or gzipped
//   csv      MeasuredDevice(csv:) on the bytes as text, then every pulse
//   json     JSONValue.parse
//   problem  `xbarsim solve FILE` (parse, checks and the nodal solve)
// With XBARSIM_FUZZ_REPORT=FILE set, each input's outcome is appended to FILE
// as one line: the input's FNV-1a hash (hex), then `ok <bytes> <hash>` of
// gzip's output, `limit` (more than 4 MiB), `ok` for json, or `error`; for
// scripts/fuzz-lib's comparison with Python's gzip and json.

import Foundation
@testable import Circuit
@testable import Trainer

private enum Target: String { case gzip, idx, csv, json, problem }

private let target: Target = {
  let name = ProcessInfo.processInfo.environment["XBARSIM_FUZZ_TARGET"] ?? ""
  guard let t = Target(rawValue: name) else {
    FileHandle.standardError.write(Data("XBARSIM_FUZZ_TARGET must be gzip, idx, csv, json or problem, got '\(name)'\n".utf8))
    exit(2)
  }
  // `solve` prints its JSON on standard output: not wanted 10,000 times a
  // second. Standard error (libFuzzer's) stays.
  if t == .problem { freopen("/dev/null", "w", stdout) }
  return t
}()

private let report: FileHandle? = ProcessInfo.processInfo.environment["XBARSIM_FUZZ_REPORT"].flatMap {
  let fd = open($0, O_WRONLY | O_CREAT | O_APPEND, 0o644)
  return fd < 0 ? nil : FileHandle(fileDescriptor: fd, closeOnDealloc: true)
}

/// A file of this process for the targets that read files, in the folder
/// scripts/fuzz-lib gives (XBARSIM_FUZZ_SCRATCH) and removes afterwards.
private let scratch =
  (ProcessInfo.processInfo.environment["XBARSIM_FUZZ_SCRATCH"] ?? NSTemporaryDirectory()) + "/input-\(getpid())"

/// One line of the report: the input's FNV-1a hash, then its outcome.
private func note(_ input: UnsafeRawBufferPointer, _ outcome: String) {
  report?.write(Data((fnv1a(Array(input)) + " " + outcome + "\n").utf8))
}

private func fnv1a(_ bytes: [UInt8]) -> String {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
  return String(h, radix: 16)
}

private func asFile(_ raw: UnsafeRawBufferPointer) -> String {
  FileManager.default.createFile(atPath: scratch, contents: Data(raw))
  return scratch
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let raw = UnsafeRawBufferPointer(start: data, count: size)
  switch target {
  case .gzip:
    do {
      let out = try _Gzip.decompress(raw, limit: 1 << 22)
      note(raw, out.count > 1 << 22 ? "limit" : "ok \(out.count) \(fnv1a(out))")
    } catch {
      note(raw, "error")
    }
  case .idx:
    let url = URL(fileURLWithPath: asFile(raw))
    _ = try? IDXDataset.read(url, rank: 1, items: "labels")
    _ = try? IDXDataset.read(url, rank: 3, items: "images")
  case .csv:
    let text = String(decoding: raw, as: UTF8.self)
    if let device = try? MeasuredDevice(csv: text, source: "fuzz.csv"), (try? device.validate()) != nil {
      // Pulses up the whole branch and down again, as `pulses` would.
      var g = device.minimumConductance
      for _ in 0..<300 { g = device.potentiated(g) }
      if device.isBidirectional { for _ in 0..<300 { g = device.depressed(g) } }
    }
  case .json:
    note(raw, (try? JSONValue.parse(Data(raw))) == nil ? "error" : "ok")
  case .problem:
    _ = Xbarsim.run(arguments: ["solve", asFile(raw)])
  }
  return 0
}
