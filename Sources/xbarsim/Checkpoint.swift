import Circuit
import Foundation
import Trainer

/// A checkpoint file: one JSON object with the configuration and every
/// layer's device states (README, "Checkpoints").
///
/// ```
/// {"format": "xbarsim-checkpoint", "version": 1, "train_images": 60000,
///  "configuration": {every configuration key},
///  "layers": [{"rows": 785, "columns": 200, "pulses": …, "resets": …,
///              "repotentiation_pulses": …,
///              "plus_states": […], "minus_states": […],            (methods a, b)
///              "plus_conductances": […], "minus_conductances": […], (method c)
///              "plus_scales": […], "minus_scales": […]}, …]}       (σ > 0)
/// ```
enum Checkpoint {
  static let format = "xbarsim-checkpoint"

  /// The configuration keys that give device states their meaning: a
  /// checkpoint loads only into a network that agrees on them.
  static let stateKeys = ["layers", "method", "nmax", "beta_p", "beta_d", "gmin_ratio", "sigma"]

  static func write(_ net: LimNetwork, trainImages: Int, to path: String) throws {
    let cfg = net.configuration
    var text = "{\n  \"format\": \"\(format)\",\n  \"version\": 1,\n  \"train_images\": \(trainImages),\n"
    text += "  \"configuration\": " + TrainCommand.configurationJSON(cfg).replacingOccurrences(of: "\n", with: "\n  ") + ",\n"
    text += "  \"layers\": ["
    func list<T>(_ v: [T], _ f: (T) -> String) -> String { "[" + v.map(f).joined(separator: ",") + "]" }
    for (l, s) in net.layerStates.enumerated() {
      text += l == 0 ? "\n" : ",\n"
      text += "    {\"rows\": \(s.rows), \"columns\": \(s.columns), \"pulses\": \(s.pulses), \"resets\": \(s.resets), "
      text += "\"repotentiation_pulses\": \(s.repotentiations)"
      if cfg.method == .c {
        text += ",\n     \"plus_conductances\": " + list(s.plusConductances) { "\($0)" }
        text += ",\n     \"minus_conductances\": " + list(s.minusConductances) { "\($0)" }
      } else {
        text += ",\n     \"plus_states\": " + list(s.plusStates) { String($0) }
        text += ",\n     \"minus_states\": " + list(s.minusStates) { String($0) }
      }
      if cfg.sigma > 0 {
        // Each Float exactly, as the Double it converts to.
        text += ",\n     \"plus_scales\": " + list(s.plusScales) { "\(Double($0))" }
        text += ",\n     \"minus_scales\": " + list(s.minusScales) { "\(Double($0))" }
      }
      text += "}"
    }
    text += "\n  ]\n}\n"
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
      throw CLIError.runtime("\(path): cannot write the checkpoint (\(ProblemFile.describe(error)))")
    }
  }

  /// A checkpoint's configuration and layer states.
  static func read(_ path: String) throws -> (configuration: TrainingConfiguration, states: [LimLayerState]) {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw CLIError.runtime("\(path): cannot read file (\(ProblemFile.describe(error)))")
    }
    func fail(_ m: String) -> CLIError { .runtime("\(path): \(m)") }
    let root: JSONValue
    do { root = try JSONValue.parse(data) } catch { throw fail("malformed JSON at \(error)") }
    guard root["format"] == .string(format) else { throw fail("not an xbarsim checkpoint (no \"format\": \"\(format)\")") }
    guard root["version"] == .number(1) else { throw fail("unsupported checkpoint version \(root["version"]?.brief ?? "none")") }
    var cfg = TrainingConfiguration()
    try TrainCommand.setKeys(from: root["configuration"] ?? .null, in: path, into: &cfg)
    guard case .array(let layers)? = root["layers"] else { throw fail("'layers' must be a list") }
    var states: [LimLayerState] = []
    for (l, layer) in layers.enumerated() {
      func int(_ k: String) throws -> Int {
        guard case .number(let x)? = layer[k], x == x.rounded(), x >= 0 else {
          throw fail("layers[\(l)].\(k) must be a non-negative integer")
        }
        return Int(x)
      }
      let rows = try int("rows"), columns = try int("columns"), mn = rows * columns
      func numbers(_ k: String, default d: Double) throws -> [Double] {
        guard let v = layer[k] else { return [Double](repeating: d, count: mn) }
        guard case .array(let a) = v, a.count == mn else { throw fail("layers[\(l)].\(k) must be a list of \(mn) numbers") }
        return try a.map { e in
          guard case .number(let x) = e else { throw fail("layers[\(l)].\(k) holds \(e.brief), not a number") }
          return x
        }
      }
      func deviceStates(_ k: String) throws -> [UInt8] {
        try numbers(k, default: 0).map { x in
          guard x == x.rounded(), x >= 0, x <= 255 else { throw fail("layers[\(l)].\(k) holds \(x), not a state 0…255") }
          return UInt8(x)
        }
      }
      states.append(LimLayerState(
        rows: rows, columns: columns, plusStates: try deviceStates("plus_states"), minusStates: try deviceStates("minus_states"),
        plusConductances: try numbers("plus_conductances", default: 0),
        minusConductances: try numbers("minus_conductances", default: 0),
        plusScales: try numbers("plus_scales", default: 1).map(Float.init),
        minusScales: try numbers("minus_scales", default: 1).map(Float.init),
        pulses: try int("pulses"), resets: try int("resets"), repotentiations: try int("repotentiation_pulses")))
    }
    return (cfg, states)
  }

  /// Loads `path` into a network built from `cfg`.
  /// - Throws: a one-line error naming the file and, for a network of
  ///   another shape, both shapes.
  static func load(_ path: String, into cfg: TrainingConfiguration) throws -> LimNetwork {
    let (saved, states) = try read(path)
    let shape = { (c: TrainingConfiguration) in c.layers.map(String.init).joined(separator: "-") }
    guard saved.layers == cfg.layers else {
      throw CLIError.runtime(
        "\(path): the checkpoint is for a \(shape(saved)) network, the requested network is \(shape(cfg))")
    }
    let savedValues = Dictionary(uniqueKeysWithValues: saved.keyValues)
    for (k, v) in cfg.keyValues where stateKeys.contains(k) && savedValues[k] != v {
      throw CLIError.runtime("\(path): the checkpoint has \(k) \(savedValues[k]!), the requested network \(v)")
    }
    let net = LimNetwork(configuration: cfg)
    do { try net.restore(states) } catch { throw CLIError.runtime("\(path): \(error)") }
    return net
  }
}
