// Placeholder so the PeripheralsTests target declared in Package.swift
// builds on this branch; main has real tests here and can drop this file.
