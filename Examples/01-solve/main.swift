// Placeholder, replaced below.
print("solve example")
