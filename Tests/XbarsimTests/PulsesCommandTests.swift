import Foundation
import Testing
import _TestSupport

/// The CSV rows of `xbarsim pulses` output, split into fields.
func csvRows(_ text: String) -> [[String]] {
  text.split(separator: "\n").map {
    $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }
}

@Test func limPulsesPrintPotentiationThenDepression() throws {
  let r = try runXbarsim(["pulses", "--device", "lim", "--beta", "2", "--nmax", "64"])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = csvRows(r.stdout)
  #expect(rows.first == ["pulse", "polarity", "conductance"])
  #expect(rows.count == 1 + 2 * 64 + 1)
  // Training's Lim device by default: G_min 0 (gmin_ratio 0), G_max 10 µS.
  #expect(rows[1][..<2] == ["0", "start"] && Double(rows[1][2]) == 0)
  #expect(rows[65][1] == "p" && Double(rows[65][2]) == 1e-5)
  #expect(rows[66][1] == "d")
  #expect(rows.last?[0] == "128" && Double(rows.last![2]) == 0)
  // Monotone up, then monotone down.
  let g = rows.dropFirst().map { Double($0[2])! }
  for n in 1...64 { #expect(g[n] > g[n - 1]) }
  for n in 65...128 { #expect(g[n] < g[n - 1]) }
}

@Test func aBetaListPrintsOneColumnPerBeta() throws {
  let r = try runXbarsim(["pulses", "--beta", "0,1,2,3", "--nmax", "32", "--normalize"])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = csvRows(r.stdout)
  #expect(rows[0] == ["pulse", "polarity", "beta=0", "beta=1", "beta=2", "beta=3"])
  #expect(rows.count == 1 + 2 * 32 + 1)
  #expect(rows.allSatisfy { $0.count == 6 })
  #expect(rows[1].dropFirst(2).allSatisfy { Double($0) == 0 })
  #expect(rows[33].dropFirst(2).allSatisfy { Double($0) == 1 })
  // After one pulse, the larger β has moved further (Lim Fig. 6).
  let first = rows[2].dropFirst(2).map { Double($0)! }
  #expect(first == first.sorted() && Set(first).count == 4)
  #expect(abs(first[0] - 1.0 / 32) < 1e-12)
}

@Test func choiDeviceIsUnidirectionalWithAReset() throws {
  let r = try runXbarsim(["pulses", "--device", "choi", "--states", "10", "--k", "10"])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = csvRows(r.stdout)
  #expect(rows.count == 1 + 10 + 2)
  #expect(rows.last?[1] == "r")
  #expect(Double(rows.last![2]) == 1e-7)
  #expect(abs(Double(rows[11][2])! - 1e-6) < 1e-18)
}

@Test func sequencesAndVariationAreReproducible() throws {
  let args = [
    "pulses", "--sequence", "p3,d2,r,p", "--c2c", "0.3", "--sigma", "0.2",
    "--devices", "3", "--seed", "7",
  ]
  let a = try runXbarsim(args)
  let b = try runXbarsim(args)
  #expect(a.status == 0, "\(a.stderr)")
  #expect(a.stdout == b.stdout)
  let rows = csvRows(a.stdout)
  #expect(rows[0] == ["pulse", "polarity", "device=0", "device=1", "device=2"])
  #expect(rows.dropFirst().map { $0[1] } == ["start", "p", "p", "p", "d", "d", "r", "p"])
  let c = try runXbarsim(args.dropLast() + ["8"])
  #expect(c.stdout != a.stdout)
}

@Test func measuredDeviceFromCSVFile() throws {
  let dir = try Scratch.directory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let good = dir.appendingPathComponent("device.csv")
  try "branch,conductance\np,1e-6\np,2e-6\np,2.5e-6\nd,2.5e-6\nd,1e-6\n"
    .write(to: good, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", good.path])
  #expect(r.status == 0, "\(r.stderr)")
  let g = csvRows(r.stdout).dropFirst().map { Double($0[2])! }
  #expect(g == [1e-6, 2e-6, 2.5e-6, 1e-6, 1e-6])

  let bad = dir.appendingPathComponent("bad.csv")
  try "p,1e-6\np,2e-6\np,abc\n".write(to: bad, atomically: false, encoding: .utf8)
  let e = try runXbarsim(["pulses", "--device", "measured", "--csv", bad.path])
  #expect(e.status == 1)
  #expect(e.stderr.contains("bad.csv line 3: conductance 'abc' is not a number"), "\(e.stderr)")
}

@Test func missingCSVFileIsARuntimeError() throws {
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", "/nonexistent/device.csv"])
  #expect(r.status == 1)
  #expect(r.stderr.hasPrefix("Error: /nonexistent/device.csv: cannot read file (No such file or directory)"), "\(r.stderr)")
}

@Test func svgChartIsWritten() throws {
  let dir = try Scratch.directory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let svg = dir.appendingPathComponent("pulses.svg")
  let r = try runXbarsim(["pulses", "--beta", "0,2", "--nmax", "16", "--svg", svg.path])
  #expect(r.status == 0, "\(r.stderr)")
  let text = try String(contentsOf: svg, encoding: .utf8)
  #expect(text.contains("<svg"))
  #expect(text.components(separatedBy: "<polyline").count - 1 == 2)
  #expect(text.contains("beta=2"))
  #expect(text.contains("Pulse number"))
  #expect(text.hasSuffix("</svg>\n"))
}

@Test(arguments: [
  (["--gmin", "2e-6", "--gmax", "1e-6"], "--gmax 1e-6 must be greater than --gmin 2e-6"),
  (["--device", "choi", "--gmax", "1e-6"], "--gmax 1e-6 must be greater than --gmin"),
  (["--device", "memristor"], "--device 'memristor' is unknown"),
  (["--nmax", "0"], "--nmax 0 must be at least 1"),
  (["--pulses", "0"], "--pulses 0 must be at least 1"),
  (["--pulses", "-2"], "--pulses -2 must be at least 1"),
  (["--device", "choi", "--states", "1"], "--states 1 must be at least 2"),
  (["--device", "choi", "--k", "0"], "--k 0 must be positive"),
  (["--sigma", "-0.1"], "--sigma -0.1 must be non-negative"),
  (["--c2c", "-1"], "--c2c -1 must be non-negative"),
  (["--beta", "1,-2"], "--beta 1,-2 must be non-negative"),
  (["--sequence", "p3,x2"], "--sequence 'p3,x2': bad step 'x2'"),
  (["--device", "choi", "--beta", "2"], "--beta does not apply to --device choi"),
  (["--device", "measured"], "--device measured needs --csv"),
  (["--device", "choi", "--k", "1e-320"], "--k 1e-320: '1e-320' is below the smallest normal double (2.2e-308)"),
  // Train's ranges for the keys it shares (2026-12 fuzzing: --sigma 1e20
  // printed conductances of 8e13 S).
  (["--sigma", "1e20"], "--sigma 1e20: must be in [0, 10], got 1e+20"),
  (["--gmax", "1e300"], "--gmax 1e300: must be in [1e-12, 1] S, got 1e+300"),
  (["--c2c", "11"], "--c2c 11: must be in [0, 10], got 11"),
  (["--offset", "1e9"], "--offset 1e9: must be in [0, 10]"),
  (["--beta", "1,60"], "--beta 1,60: must be in [0, 50], got 60"),
  (["--device", "measured", "--csv", "x.csv", "--gmin", "0"], "--gmin does not apply"),
  (["--negative-scale", "dead"], "--negative-scale applies to the scales of --sigma > 0"),
  (["--sigma", "1", "--negative-scale", "clamp"], "--negative-scale clamp: must be dead, fold or redraw"),
])
func impossibleParametersAreUsageErrors(arguments: [String], message: String) throws {
  let r = try runXbarsim(["pulses"] + arguments)
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: \(message)"), "\(r.stderr)")
  #expect(r.stderr.contains("See 'xbarsim pulses --help'"))
  #expect(r.stdout.isEmpty)
}

@Test func helpDocumentsEveryOption() throws {
  let r = try runXbarsim(["pulses", "--help"])
  #expect(r.status == 0)
  for option in [
    "--device", "--beta", "--beta-p", "--beta-d", "--nmax", "--gmin", "--gmax", "--states",
    "--k", "--csv", "--pulses", "--sequence", "--c2c", "--sigma", "--seed", "--normalize",
    "--svg", "--negative-scale",
  ] {
    #expect(r.stdout.contains("  \(option) "), "\(option)")
  }
  #expect(r.stdout.contains("branch,conductance"))
}

// Measured data that no pulse moves (a flat curve, which --normalize
// divided by zero, or a potentiation branch that only falls) describe no
// device: an error naming the file, not a flat curve (2026-12 fuzzing).
@Test(arguments: [
  ("p,1e-6\np,1e-6\np,1e-6\n", "the potentiation branch never rises above its first point"),
  ("p,3e-6\np,2e-6\np,1e-6\n", "the potentiation branch never rises above its first point"),
  ("p,1e-6\np,2e-6\nd,1e-6\nd,2e-6\n", "the depression branch never falls below its first point"),
])
func aMeasuredDeviceThatNoPulseMovesIsAnError(_ csv: String, _ message: String) throws {
  let dir = try Scratch.directory("xbarsim-pulses-flat")
  defer { try? FileManager.default.removeItem(at: dir) }
  let flat = dir.appendingPathComponent("flat.csv")
  try csv.write(to: flat, atomically: false, encoding: .utf8)
  for extra in [[], ["--normalize"]] {
    let r = try runXbarsim(["pulses", "--device", "measured", "--csv", flat.path] + extra)
    #expect(r.status == 1, "\(r.stdout.prefix(200))")
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.hasPrefix("Error: \(flat.path): \(message)"), "\(r.stderr)")
    #expect(r.stderr.split(separator: "\n").count == 1)
  }
}

// Session 30: a scale draw X ≤ 0 follows --negative-scale, as training's
// negative_scale: by default drawn again (no dead device, as `train`
// trains), `dead` at 0 S (the circuit core's default), `fold` |X| (the
// same draws: the devices alive under `dead` are unchanged).
@Test func negativeScalesFollowTheOptionAsTrainingDoes() throws {
  func devices(_ extra: [String]) throws -> [Double] {
    // G_min 1 µS: at Lim's default of 0 every device starts at 0 S.
    let r = try runXbarsim(["pulses", "--sigma", "1", "--devices", "300", "--pulses", "2", "--seed", "3", "--gmin", "1e-6"] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return csvRows(r.stdout)[1].dropFirst(2).map { Double($0)! }
  }
  let redraw = try devices([]), dead = try devices(["--negative-scale", "dead"]), fold = try devices(["--negative-scale", "fold"])
  #expect(try devices(["--negative-scale", "redraw"]) == redraw)
  #expect(redraw.count == 300 && !redraw.contains(0))
  let deadCount = dead.filter { $0 == 0 }.count
  #expect(deadCount > 20 && deadCount < 80, "about 16 % of 300: \(deadCount)")
  #expect(!fold.contains(0))
  #expect(zip(dead, fold).allSatisfy { $0 == 0 || $0 == $1 })
  #expect(zip(dead, fold).contains { $0 == 0 && $1 > 0 })
}
