// The Peripherals module.
