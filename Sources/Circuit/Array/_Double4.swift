/// Unaligned four-wide loads and stores of doubles: the vectors of the
/// resistive-read kernels (`MeshWorkspace`, `MergedLineSolver`).
enum _Double4 {
  @inline(__always) static func ld(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
  }
  @inline(__always) static func ld(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
  }
  @inline(__always) static func st(_ p: UnsafeMutablePointer<Double>, _ v: SIMD4<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
  }
}
