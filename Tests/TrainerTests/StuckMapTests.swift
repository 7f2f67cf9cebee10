import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Stuck devices named by a file (`stuck_map`, `StuckMap`): records of
// layer, row, column, kind, polarity and state, each of row and column a
// number, a range or *, laid over the devices stuck_off and stuck_on draw
// (the last record naming a device says how it is stuck). Rule lim's
// devices get scale 0 (and a shorted mark); rules hybrid and single pin
// their bounds, as the drawn ones are.

private func map(_ text: String) throws -> StuckMap { try StuckMap.parse(text, path: "m.csv") }

private func message(_ text: String) -> String {
  do {
    _ = try map(text)
    return "(parsed)"
  } catch let e as ConfigurationError {
    return e.description
  } catch {
    return "\(error)"
  }
}

@Test func aMapParsesItsRecordsRangesAndWildcards() throws {
  let m = try map(
    """
    # a comment, then the header in another order, without kind
    state, polarity, layer, row, column

    open,plus,0,17,*
    shorted,*,1,3-5,2\r
    open,-,0,784,0
    """)
  #expect(m.entries.map(\.text) == ["0,17,*,big,plus,open", "1,3-5,2,big,*,shorted", "0,784,0,big,minus,open"])
  #expect(m.lines == [4, 5, 6] && m.hasShorted)
  let k = try map("layer,row,column,kind,polarity,state\n0,*,*,small,+,open\n0,1,1,*,*,open")
  #expect(k.entries.map(\.text) == ["0,*,*,small,plus,open", "0,1,1,*,*,open"] && !k.hasShorted)
  // The canonical text reads back as itself.
  let again = try map(([StuckMap.header] + m.entries.map(\.text)).joined(separator: "\n"))
  #expect(again.entries == m.entries)
  // A header alone: a map of no devices.
  #expect(try map("layer,row,column,polarity,state\n").entries.isEmpty)
  // A byte-order mark before the header (a spreadsheet's export), old Mac
  // line ends, tabs and upper case.
  let exported = try map("\u{FEFF}Layer,Row,Column,Polarity,State\r0,1,2,PLUS,Open\r\t1 ,\t*, 3 ,minus,shorted\r")
  #expect(exported.entries.map(\.text) == ["0,1,2,big,plus,open", "1,*,3,big,minus,shorted"] && exported.lines == [2, 3])
}

@Test func aBadMapIsRefusedNamingTheLineAndField() {
  let header = "layer,row,column,kind,polarity,state\n"
  let cases: [(String, String)] = [
    ("", "no header"),
    ("# only a comment\n", "no header"),
    ("layer,row,column,state\n", "no 'polarity' column"),
    ("layer,row,column,polarity,state,colour\n", "names 'colour'"),
    ("layer,row,row,column,polarity,state\n", "names 'row' twice"),
    (header + "0,1,2,big,plus\n", "line 2: 5 fields, where the header has 6"),
    (header + "x,1,2,big,plus,open\n", "line 2: layer must be a whole number"),
    (header + "0,-1,2,big,plus,open\n", "line 2: row must be a whole number"),
    // The whole field quoted, and a layer told it is one number (a
    // walkthrough, session 76: '*' was told "a range a-b or *").
    (header + "0,-1,2,big,plus,open\n", "row must be a whole number ≥ 0, a range a-b or *, got '-1'"),
    (header + "0,1-,2,big,plus,open\n", "got '1-'"),
    (header + "0,1,*-3,big,plus,open\n", "column must be a whole number ≥ 0, a range a-b or *, got '*-3'"),
    (header + "*,1,2,big,plus,open\n", "line 2: layer must be a whole number ≥ 0 (one layer a record), got '*'"),
    (header + "0-1,1,2,big,plus,open\n", "layer must be a whole number ≥ 0 (one layer a record), got '0-1'"),
    (header + "0,5-3,2,big,plus,open\n", "line 2: row range 5-3 runs backwards"),
    (header + "0,1-2-3,2,big,plus,open\n", "line 2: row must be"),
    (header + "0,1,2.5,big,plus,open\n", "line 2: column must be"),
    (header + "0,1,2,large,plus,open\n", "line 2: kind must be big, small or *"),
    (header + "\n0,1,2,big,up,open\n", "line 3: polarity must be plus, minus or *"),
    (header + "0,1,2,big,plus,stuck\n", "line 2: state must be open (0 S) or shorted (G_max)"),
  ]
  for (text, expected) in cases {
    let m = message(text)
    #expect(m.hasPrefix("stuck_map: ") && m.contains(expected) && !m.contains("\n"), "\(text): \(m)")
  }
}

@Test func aMapFileIsReadOrRefusedNamingIt() throws {
  let dir = try Scratch.directory("xbarsim-stuck-map-read")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("map.csv")
  try "layer,row,column,polarity,state\n0,1,2,plus,open\n".write(to: file, atomically: false, encoding: .utf8)
  let m = try StuckMap.read(file.path)
  #expect(m.entries.count == 1 && m.path.hasSuffix("/map.csv"))
  for (path, expected) in [(dir.appendingPathComponent("none.csv").path, "no such file"), (dir.path, "not a regular file")] {
    #expect(throws: ConfigurationError.self) { try StuckMap.read(path) }
    do { _ = try StuckMap.read(path) } catch let e as ConfigurationError {
      #expect(e.field == "stuck_map" && e.message.hasPrefix(path) && e.message.contains(expected), "\(e)")
    }
  }
  let bad = dir.appendingPathComponent("bad.csv")
  try "layer,row,column,polarity,state\n0,1,2,plus,fine\n".write(to: bad, atomically: false, encoding: .utf8)
  do {
    _ = try StuckMap.read(bad.path)
    Issue.record("a bad record was read")
  } catch let e as ConfigurationError {
    #expect(e.description == "stuck_map: \(bad.path) line 2: state must be open (0 S) or shorted (G_max), got 'fine'")
  }
}

/// A configuration of 16-8-4 (rule lim by default) with the map `text`.
private func configuration(
  _ text: String, rule: LearningRule = .lim, _ edit: (inout TrainingConfiguration) -> Void = { _ in }
) throws -> TrainingConfiguration {
  try StuckFixture.mapConfiguration(text, rule: rule, edit)
}

@Test func aMapIsCheckedAgainstTheNetwork() throws {
  let header = "layer,row,column,kind,polarity,state\n"
  let cases: [(String, LearningRule, String)] = [
    ("2,0,0,big,plus,open", .lim, "layer 2, but the 16-8-4 network has layers 0…1"),
    ("0,17,0,big,plus,open", .lim, "row 17, but layer 0 has rows 0…16 (16: its bias row)"),
    ("1,0-9,0,big,plus,open", .hybrid, "row 9, but layer 1 has rows 0…8 (8: its bias row)"),
    ("0,0,8,big,plus,open", .single, "column 8, but layer 0 has columns 0…7"),
    ("0,0,0,small,plus,open", .lim, "kind small, but rule lim has no small devices"),
    ("0,0,0,small,plus,open", .single, "kind small, but rule single has no small devices"),
  ]
  for (record, rule, expected) in cases {
    do {
      _ = try configuration(header + record, rule: rule)
      Issue.record("\(record) was accepted for rule \(rule)")
    } catch let e as ConfigurationError {
      #expect(e.field == "stuck_map" && e.message.contains(expected), "\(e)")
      if rule != .float { #expect(e.message.hasPrefix("m.csv line 2: "), "\(e)") }
    }
  }
  // The bias row and the last column exist.
  _ = try configuration(header + "0,16,7,big,*,open\n1,8,3,*,*,shorted", rule: .hybrid)
  // Float SGD has no devices: the key is one it would ignore.
  var float = try configuration("layer,row,column,polarity,state\n")
  float.rule = .float
  #expect(float.ignoredKeys.contains { $0.key == "stuck_map" })
}

@Test func aReproductionWithASoftwareRunTakesAMap() throws {
  // The software runs ignore the map, as they ignore stuck_off; they had
  // been refused, so that no figure with one ran (a walkthrough, session 76).
  var base = TrainingConfiguration()
  base.restoreStuckMap(try map("layer,row,column,kind,polarity,state\n0,100,*,big,*,open\n0,*,3,big,minus,open"))
  let runs = LimReproduction.runs(figure: 7, base: base) + LimReproduction.runs(figure: 12, base: base)
    + ChoiReproduction.runs(figure: 4, base: base)
  #expect(runs.contains { $0.configuration.rule == .float } && runs.contains { $0.configuration.rule == .hybrid })
  for run in runs {
    do { try run.configuration.validate() } catch { Issue.record("\(run.label): \(error)") }
  }
  // A record outside a device network is still refused.
  var wide = base
  wide.restoreStuckMap(try map("layer,row,column,polarity,state\n0,785,0,plus,open"))
  #expect(throws: ConfigurationError.self) { try wide.validate() }
}

@Test func theMapIsWrittenOnlyWhenGivenAndNotOnIdealHardware() throws {
  let plain = try configuration("layer,row,column,polarity,state\n") { $0.restoreStuckMap(nil) }
  #expect(!plain.keyValues.contains { $0.0 == "stuck_map" } && plain.allKeyValues.contains { $0 == ("stuck_map", "") })
  let cfg = try configuration("layer,row,column,polarity,state\n0,1,1,plus,open")
  #expect(cfg.keyValues.contains { $0 == ("stuck_map", "m.csv") })
  #expect(cfg.hasStuckDevices && cfg.limDeviceScales && !cfg.hasShortedDevices)
  #expect(cfg.idealHardware.stuckMap == nil && !cfg.idealHardware.hasStuckDevices)
}

/// The devices a lim layer has stuck: (cell, polarity, shorted).
private func stuck(_ layer: LimLayer) -> [String] {
  var found: [String] = []
  for k in 0..<(layer.rows * layer.columns) {
    if layer.xp[k] == 0 { found.append("\(k)+\(layer.hasShorted && layer.onp[k] != 0 ? "S" : "O")") }
    if layer.xm[k] == 0 { found.append("\(k)-\(layer.hasShorted && layer.onm[k] != 0 ? "S" : "O")") }
  }
  return found
}

@Test func ruleLimStucksExactlyTheMapsDevicesAndDrawsAsWithout() throws {
  let text = """
    layer,row,column,polarity,state
    0,2,*,plus,open
    0,3-4,5,*,shorted
    0,3,5,minus,open
    1,8,0,minus,shorted
    """
  let none = LimNetwork(configuration: try configuration("layer,row,column,polarity,state\n") { $0.restoreStuckMap(nil) })
  let net = LimNetwork(configuration: try configuration(text))
  // Row 2's eight G+ open; (3,5) G+ shorted, G− open (the later record);
  // (4,5) both shorted; layer 1's bias row, column 0, G− shorted.
  var expected0 = (0..<8).map { "\(2 * 8 + $0)+O" }
  expected0 += ["\(3 * 8 + 5)+S", "\(3 * 8 + 5)-O", "\(4 * 8 + 5)+S", "\(4 * 8 + 5)-S"]
  #expect(stuck(net.layers[0]).sorted() == expected0.sorted())
  #expect(stuck(net.layers[1]) == ["\(8 * 4 + 0)-S"])
  #expect(net.layers.map(\.stuckCount.open) == [9, 0] && net.layers.map(\.stuckCount.shorted) == [3, 1])
  // Every other draw is that of no map.
  for (a, b) in zip(none.layerStates, net.layerStates) {
    #expect(a.plusStates == b.plusStates && a.minusStates == b.minusStates)
  }
  // Over stuck_on 1 (every device shorted): the map's open records win.
  let over = LimNetwork(configuration: try configuration(text) { $0.stuckOn = 1 })
  let all = stuck(over.layers[0])
  #expect(all.count == 2 * 17 * 8 && all.filter { $0.hasSuffix("O") }.sorted() == ((0..<8).map { "\(2 * 8 + $0)+O" } + ["\(3 * 8 + 5)-O"]).sorted())
  // Training never moves a stuck device's conductance.
  StuckFixture.train(net, samples: 200)
  for k in 0..<8 { #expect(net.layers[0].conductances(2 * 8 + k).0 == 0) }
  #expect(net.layers[0].conductances(4 * 8 + 5) == (net.layers[0].shortedG, net.layers[0].shortedG))
}

@Test func ruleLimRestoresAMapsDevicesAndRefusesStatesThatDisagree() throws {
  let text = "layer,row,column,polarity,state\n0,2,3,plus,open\n1,0,1,minus,shorted\n"
  let cfg = try configuration(text)
  let net = LimNetwork(configuration: cfg)
  StuckFixture.train(net, samples: 50)
  let states = net.layerStates
  let copy = LimNetwork(configuration: cfg)
  try copy.restore(states)
  #expect(copy.layerStates.map(\.plusScales) == states.map(\.plusScales))
  // A device the map names open, with scale 1 in the states: refused.
  var bad = states
  bad[0].plusScales[2 * 8 + 3] = 1
  do {
    try LimNetwork(configuration: cfg).restore(bad)
    Issue.record("states that disagree with the map were restored")
  } catch let e as ConfigurationError {
    #expect(e.field == "stuck_map" && e.message == "layers[0].plus_scales: synapse 19 (row 2, column 3) has a scale 1.0, but m.csv line 2 makes it open", "\(e)")
  }
  // A device the map shorts, unmarked in the states.
  bad = states
  bad[1].minusShorted![1] = 0
  do {
    try LimNetwork(configuration: cfg).restore(bad)
    Issue.record("states that disagree with the map were restored")
  } catch let e as ConfigurationError {
    #expect(e.message == "layers[1].minus_shorted: synapse 1 (row 0, column 1) has no shorted mark, but m.csv line 3 makes it shorted", "\(e)")
  }
}

@Test func rulesHybridAndSinglePinTheMapsDevices() throws {
  let text = """
    layer,row,column,kind,polarity,state
    0,1,*,big,plus,open
    0,2,3,*,*,shorted
    1,*,2,small,minus,open
    """
  for rule in [LearningRule.hybrid, .single] {
    let record = rule == .hybrid ? text : text.split(separator: "\n").dropLast().joined(separator: "\n")
    let cfg = try configuration(record, rule: rule)
    let none = try HybridNetwork(configuration: try configuration("layer,row,column,polarity,state\n", rule: rule) { $0.restoreStuckMap(nil) })
    let net = try HybridNetwork(configuration: cfg)
    let l0 = net.layers[0], l1 = net.layers[1]
    var pinned: [String] = []
    for (l, layer) in [l0, l1].enumerated() {
      for d in 0..<layer.g.count {
        for x in 0..<layer.count where layer.lo[d][x] == layer.hi[d][x] {
          pinned.append("\(l):\(d):\(x):\(layer.lo[d][x] == 0 ? "O" : "S")")
        }
      }
    }
    var expected = (0..<8).map { "0:0:\(8 + $0):O" }
    expected += (0..<(rule == .hybrid ? 4 : 2)).map { "0:\($0):\(2 * 8 + 3):S" }
    if rule == .hybrid { expected += (0..<9).map { "1:3:\($0 * 4 + 2):O" } }
    #expect(pinned.sorted() == expected.sorted(), "\(rule)")
    #expect(l0.g[1][2 * 8 + 3] == l0.uniformHigh[0] && (rule == .single || l0.g[3][2 * 8 + 3] == l0.uniformHigh[1]))
    // The other devices are those of no map.
    for (a, b) in zip(none.layers, net.layers) {
      for d in 0..<a.g.count {
        for x in 0..<a.count where b.lo[d][x] != b.hi[d][x] { #expect(a.g[d][x] == b.g[d][x] && a.lo[d][x] == b.lo[d][x]) }
      }
    }
    // Training keeps them where they are.
    let images = StuckFixture.images
    images.pixels.withUnsafeBufferPointer { px in
      for s in 0..<100 {
        if s == 50 && net.isHybrid { net.switchToFineTuning() }
        net.train(px.baseAddress! + (s % images.count) * 16, label: Int(images.labels[s % images.count]))
      }
    }
    for k in 0..<8 { #expect(l0.g[0][8 + k] == 0) }
    #expect(l0.g[0][2 * 8 + 3] == l0.uniformHigh[0])
    if rule == .hybrid { #expect((0..<9).allSatisfy { l1.g[3][$0 * 4 + 2] == 0 }) }
  }
}

/// The README's example maps (docs/stuck-maps) read, and fit the networks
/// they are written for, naming the devices their comments count.
@Test func theExampleMapsReadAndFitTheirNetworks() throws {
  let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("docs/stuck-maps")
  let cases: [(String, [Int], LearningRule, Int)] = [
    ("dead-columns.csv", [784, 200, 10], .lim, 15_700), ("broken-rows.csv", [784, 200, 10], .lim, 15_600),
    ("shorted-columns.csv", [784, 200, 10], .lim, 7_850), ("mixed-784-32-10.csv", [784, 32, 10], .hybrid, 0),
  ]
  for (name, layers, rule, devices) in cases {
    let map = try StuckMap.read(docs.appendingPathComponent(name).path)
    try map.check(layers: layers, kinds: rule == .hybrid ? 2 : 1, rule: rule.rawValue)
    var named = Set<Int>()
    map.forEach(layer: 0, rows: layers[0] + 1, columns: layers[1], kinds: 1) { x, d, _, _ in named.insert(2 * x + d) }
    if devices > 0 { #expect(named.count == devices, "\(name)") }
  }
}

/// A network's stuck devices as a map (`stuckDeviceMap`, inspect's
/// stuck.csv): given as `stuck_map` with no fractions, it sticks the same
/// devices; a hybrid's big ones give a single pair the hybrid's defects.
@Test func aNetworksStuckDevicesExportAsAMapThatSticksTheSameOnes() throws {
  let drawn = LimNetwork(configuration: try configuration("layer,row,column,polarity,state\n") {
    $0.restoreStuckMap(nil); $0.stuckOff = 0.1; $0.stuckOn = 0.05
  })
  let map = try #require(drawn.stuckDeviceMap(path: "x.csv"))
  #expect(map.entries.count == drawn.layers.reduce(0) { $0 + $1.stuckCount.open + $1.stuckCount.shorted } && map.hasShorted)
  let reread = try StuckMap.parse(map.csv, path: "x.csv")
  #expect(reread.entries == map.entries)
  let again = LimNetwork(configuration: try configuration(map.csv))
  #expect(again.layerStates.map(\.plusScales) == drawn.layerStates.map(\.plusScales))
  #expect(again.layerStates.map(\.minusShorted) == drawn.layerStates.map(\.minusShorted))
  #expect(LimNetwork(configuration: try configuration("layer,row,column,polarity,state\n") { $0.restoreStuckMap(nil) })
    .stuckDeviceMap(path: "x.csv") == nil)
  // Rule hybrid: every kind; rule single given the big records.
  let hybrid = try HybridNetwork(configuration: try configuration("layer,row,column,polarity,state\n", rule: .hybrid) {
    $0.restoreStuckMap(nil); $0.stuckOff = 0.1; $0.stuckOn = 0.1
  })
  let hmap = try #require(hybrid.stuckDeviceMap(path: "h.csv"))
  #expect(hmap.entries.contains { $0.kind == 1 } && hmap.entries.contains { $0.kind == 0 && $0.shorted })
  let copy = try HybridNetwork(configuration: try configuration(hmap.csv, rule: .hybrid))
  let big = hmap.csv.split(separator: "\n").filter { !$0.contains(",small,") }.joined(separator: "\n")
  let single = try HybridNetwork(configuration: try configuration(big, rule: .single))
  for (l, layer) in hybrid.layers.enumerated() {
    for d in 0..<4 {
      for x in 0..<layer.count where layer.lo[d][x] == layer.hi[d][x] {
        #expect(copy.layers[l].lo[d][x] == layer.lo[d][x] && copy.layers[l].hi[d][x] == layer.hi[d][x])
        if d < 2 { #expect(single.layers[l].hi[d][x] == layer.hi[d][x] && single.layers[l].lo[d][x] == layer.lo[d][x]) }
      }
    }
    #expect(copy.layers[l].stuckCount == layer.stuckCount)
  }
}
