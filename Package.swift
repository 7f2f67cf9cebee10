// swift-tools-version:6.0
// xbarsim: a circuit-level simulator of resistive crossbar arrays for
// hardware neural networks. The toolchain alone: no package dependencies.
import PackageDescription

// Release builds are whole-module optimised by SwiftPM (`-c release`).
// On x86-64, release builds target x86-64-v3 (AVX2, FMA: every x86 server
// since 2013) so the SIMD kernels use 256-bit registers;
// XBARSIM_PORTABLE=1 turns that off.
//
// The debug build (`swift test`'s) optimises the library and the tool too
// (`-O`, file by file, with testing enabled and exclusivity checked): the
// tests then run the code as users run it, about five times faster (the
// suite took 400-590 s unoptimised, session 74), and an optimiser's
// rewrite is tested (a malloc probe it removed, found so). The test
// targets themselves stay unoptimised. XBARSIM_ONONE=1 builds everything
// unoptimised, for a debugger.
var releaseFlags = ["-enforce-exclusivity=unchecked"]
#if arch(x86_64)
if Context.environment["XBARSIM_PORTABLE"] == nil {
  releaseFlags += ["-Xcc", "-march=x86-64-v3"]
}
#endif
var kernelSettings: [SwiftSetting] = [
  .unsafeFlags(releaseFlags, .when(configuration: .release)),
]
if Context.environment["XBARSIM_ONONE"] == nil {
  kernelSettings.append(.unsafeFlags(["-O"], .when(configuration: .debug)))
}

let package = Package(
  name: "xbarsim",
  products: [
    .library(name: "Circuit", targets: ["Circuit"]),
    .library(name: "Peripherals", targets: ["Peripherals"]),
    .library(name: "Trainer", targets: ["Trainer"]),
    .executable(name: "xbarsim", targets: ["xbarsim"]),
  ],
  dependencies: [],
  targets: [
    // MARK: - Public API
    .target(name: "Circuit", swiftSettings: kernelSettings),
    .target(
      name: "Peripherals", dependencies: ["Circuit"],
      swiftSettings: kernelSettings),
    .target(
      name: "Trainer", dependencies: ["Peripherals", "Circuit"],
      swiftSettings: kernelSettings),

    // MARK: - Implementation details
    .target(name: "_TestSupport", dependencies: ["Circuit"]),

    // MARK: - Tools
    // The commit a binary is built from (`xbarsim --version`, summaries,
    // checkpoints, journals): git's answer when a commit or a source
    // changes (Plugins/BuildIdentity), no dependency.
    .plugin(name: "BuildIdentity", capability: .buildTool()),
    .executableTarget(
      name: "xbarsim", dependencies: ["Trainer", "Peripherals", "Circuit"],
      swiftSettings: kernelSettings, plugins: ["BuildIdentity"]),
    .executableTarget(
      name: "solve-example", dependencies: ["Circuit"],
      path: "Examples/01-solve"),
    .target(
      name: "ExampleData", dependencies: ["Trainer", "Circuit"],
      path: "Examples/Shared"),
    .executableTarget(
      name: "train-example", dependencies: ["ExampleData", "Trainer", "Circuit"],
      path: "Examples/02-train"),
    .executableTarget(
      name: "hybrid-example", dependencies: ["ExampleData", "Trainer", "Peripherals", "Circuit"],
      path: "Examples/03-hybrid"),

    // MARK: - Tests
    .testTarget(name: "CircuitTests", dependencies: ["Circuit", "_TestSupport"]),
    .testTarget(
      name: "PeripheralsTests",
      dependencies: ["Peripherals", "Circuit", "_TestSupport"]),
    .testTarget(
      name: "TrainerTests",
      dependencies: ["Trainer", "Peripherals", "Circuit", "_TestSupport"]),
    .testTarget(
      name: "XbarsimTests",
      dependencies: ["xbarsim", "Trainer", "Circuit", "_TestSupport"]),
  ]
)
