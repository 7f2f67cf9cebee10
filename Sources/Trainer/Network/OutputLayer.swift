/// The output layer of float SGD and of the finite-state rules (`loss`):
/// writes δ, the loss gradient with respect to the weighted sums s, into
/// `delta`, and returns the loss and the squared error Σ_j (y_j − t_j)² of
/// the outputs y (softmax p, or the logistic neurons' y).
///
/// ```
/// cross-entropy: p = softmax(s),        loss −log p_label,  δ = p − t
/// mse:           y_j = 1/(1 + e^(−s_j)), loss ½Σ(y − t)²,   δ = (y − t)·y(1 − y)
/// ```
/// Either way the winner is the largest s (y is monotone in s), so the
/// evaluation does not depend on the loss.
@inline(__always)
func outputLoss(
  _ s: UnsafeBufferPointer<Float>, label: Int, delta d: UnsafeMutableBufferPointer<Float>, loss kind: OutputLoss
) -> (loss: Float, squared: Float) {
  var squared: Float = 0
  switch kind {
  case .crossEntropy:
    let loss = softmaxCrossEntropy(s, label: label, delta: d)
    for j in 0..<d.count { squared += d[j] * d[j] }
    return (loss, squared)
  case .mse:
    var loss: Float = 0
    for j in 0..<s.count {
      let y = 1 / (1 + _expf(-s[j]))
      let e = y - (j == label ? 1 : 0)
      squared += e * e
      d[j] = e * (y * (1 - y))
    }
    loss = 0.5 * squared
    return (loss, squared)
  }
}
