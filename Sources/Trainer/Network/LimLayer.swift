import Circuit
import Peripherals

/// One layer of Lim's hardware network: a differential array of
/// (inputs + 1 bias) × outputs synapses, each a G+/G− pair of devices that
/// only ever receive identical pulses and resets.
///
/// Device states are integers on the device's potentiation curve (methods a
/// and b: devices only potentiate from a reset, so every reachable state is
/// a point of that curve) or conductances (method c: depression leaves the
/// curve). Each device's actual conductance is X·G(state)·G_max, X its
/// device-to-device scale. The array's conductances and weight cache are
/// updated with every pulse.
final class LimLayer {
  /// Rows, including the bias row (the last), and columns.
  let rows: Int, columns: Int
  let array: DifferentialArray
  let method: UpdateMethod
  let nMax: Int
  /// G_max in siemens: the array holds physical conductances.
  let gMax: Double
  /// The potentiation curve G(k)/G_max, k = 0…n_max.
  let table: [Double]
  let device: LimExponentialDevice
  // Integer states (methods a, b).
  var kp: [UInt8], km: [UInt8]
  // Normalised conductance states (method c).
  var gp: [Double], gm: [Double]
  // Device-to-device scales X (1 without variation).
  var xp: [Double], xm: [Double]
  var pulses = 0
  var resets = 0

  init(
    inputs: Int, outputs: Int, configuration cfg: TrainingConfiguration,
    rng: inout SeededGenerator
  ) {
    rows = inputs + 1
    columns = outputs
    method = cfg.method
    nMax = cfg.nMax
    gMax = cfg.gMaxSiemens
    device = cfg.device
    table = device.potentiationCurve()
    array = DifferentialArray(rows: rows, columns: columns)
    array.readTime = cfg.readTime
    let mn = rows * columns
    kp = Array(repeating: 0, count: mn)
    km = kp
    gp = Array(repeating: 0, count: mn)
    gm = gp
    xp = Array(repeating: 1, count: mn)
    xm = xp
    if cfg.sigma > 0 {
      for k in 0..<mn {
        xp[k] = max(0, 1 + cfg.sigma * rng.nextGaussian())
        xm[k] = max(0, 1 + cfg.sigma * rng.nextGaussian())
      }
    }
    // Initial states: uniform over the lowest `initialFraction` of the
    // range (in pulses from G_min).
    let top = Int((cfg.initialFraction * Double(nMax)).rounded(.down))
    for k in 0..<mn {
      kp[k] = UInt8(Int(rng.next() % UInt64(top + 1)))
      km[k] = UInt8(Int(rng.next() % UInt64(top + 1)))
      gp[k] = table[Int(kp[k])]
      gm[k] = table[Int(km[k])]
    }
    for k in 0..<mn { store(k) }
  }

  /// Writes synapse k's two conductances into the array.
  @inline(__always)
  func store(_ k: Int) {
    let a = method == .c ? gp[k] : table[Int(kp[k])]
    let b = method == .c ? gm[k] : table[Int(km[k])]
    array._setPair(k, row: k / columns, column: k % columns, plus: xp[k] * a * gMax, minus: xm[k] * b * gMax)
  }

  /// The normalised weight (G+ − G−)/G_max of synapse k.
  @inline(__always)
  func weight(_ k: Int) -> Double {
    method == .c
      ? xp[k] * gp[k] - xm[k] * gm[k]
      : xp[k] * table[Int(kp[k])] - xm[k] * table[Int(km[k])]
  }

  /// One update of synapse k: raise its weight (`up`) or lower it, by one
  /// identical pulse to G+ or G−, and the method's handling at G_max.
  @inline(__always)
  func update(_ k: Int, up: Bool) {
    if method == .c {
      updateBidirectional(k, up: up)
      return
    }
    if up {
      let s = kp[k]
      if Int(s) < nMax {
        kp[k] = s &+ 1
        pulses += 1
        if Int(s) + 1 == nMax && Int(km[k]) == nMax { resetBoth(k) }
        store(k)
      } else {
        atMaximum(k, up: true)
      }
    } else {
      let s = km[k]
      if Int(s) < nMax {
        km[k] = s &+ 1
        pulses += 1
        if Int(s) + 1 == nMax && Int(kp[k]) == nMax { resetBoth(k) }
        store(k)
      } else {
        atMaximum(k, up: false)
      }
    }
  }

  /// Figure 2D: both devices at G_max are both reset.
  @inline(__always)
  private func resetBoth(_ k: Int) {
    kp[k] = 0
    km[k] = 0
    resets += 2
  }

  /// Methods a and b when the device to pulse is at G_max, following the
  /// pseudocode of Lim et al. §2.2 (written for G+ = G_max, ΔW > 0; the
  /// other case is its mirror image). W is the weight in actual
  /// conductances, X·G, as a verify read would see it.
  @inline(never)
  private func atMaximum(_ k: Int, up: Bool) {
    let t = table, n = nMax
    let xa = up ? xp[k] : xm[k]  // the device at G_max
    let xb = up ? xm[k] : xp[k]  // the other one
    var a = Int(up ? kp[k] : km[k])
    var b = Int(up ? km[k] : kp[k])
    // w = Ga − Gb: the weight, signed so that "raise" raises w.
    let w = xa * t[a] - xb * t[b]
    switch method {
    case .a:
      // G+ ← G_min, G− ← G_min; while G+ − G− < W: G+ ← G+ + ΔG.
      a = 0
      b = 0
      resets += 2
      while xa * t[a] - xb * t[b] < w && a < n {
        a += 1
        pulses += 1
      }
    case .b:
      // G− ← G_min; while G+ − (G− + ΔG) > W: G− ← G− + ΔG.
      // With exact states this stops at one state below the old G−:
      // the weight rises by exactly the old G−'s last step.
      b = 0
      resets += 1
      while b < n && xa * t[a] - xb * t[b + 1] > w {
        b += 1
        pulses += 1
      }
    case .c:
      preconditionFailure("method c uses conductance states")
    }
    if a == n && b == n {
      a = 0
      b = 0
      resets += 2
    }
    if up { kp[k] = UInt8(a); km[k] = UInt8(b) } else { km[k] = UInt8(a); kp[k] = UInt8(b) }
    store(k)
  }

  /// Method c: bidirectional devices. Below G_max the device to raise is
  /// potentiated; at G_max the other one is depressed one step.
  private func updateBidirectional(_ k: Int, up: Bool) {
    let one = 1.0
    var a = up ? gp[k] : gm[k]
    var b = up ? gm[k] : gp[k]
    if a < one {
      a = device.potentiated(a)
      pulses += 1
    } else if b > device.gMin {
      b = device.depressed(b)
      pulses += 1
    }
    if a >= one && b >= one {
      a = device.gMin
      b = device.gMin
      resets += 2
    }
    if up { gp[k] = a; gm[k] = b } else { gm[k] = a; gp[k] = b }
    store(k)
  }

  /// Programs weight w (normalised, clipped to the device range) as the
  /// nearest state of one device with the other at G_min (off-chip
  /// transfer). Variation is what the array has: the programming does not
  /// see it.
  func program(_ k: Int, weight w: Double) {
    func nearest(_ target: Double) -> Int {
      var best = 0
      for s in 0...nMax where abs(table[s] - target) < abs(table[best] - target) { best = s }
      return best
    }
    let g0 = table[0]
    if w >= 0 {
      kp[k] = UInt8(nearest(g0 + w)); km[k] = 0
    } else {
      kp[k] = 0; km[k] = UInt8(nearest(g0 - w))
    }
    gp[k] = table[Int(kp[k])]
    gm[k] = table[Int(km[k])]
    store(k)
  }
}
