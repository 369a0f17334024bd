"""A user's script: correct code that mypy --strict and pyright must accept.

tests/test_typing.py copies it out of the checkout and checks it against the
installed wheel. It is type-checked, not run.
"""

import numpy as np
from hypothesis import given

import autograd
import nn
import viz
from autograd import Tensor, gradcheck, no_grad
from autograd.functional import hessian, jacobian
from autograd.testing import check_gradients, tensors
from nn.data import DataLoader, make_moons


def swish(x: Tensor) -> Tensor:
    return x * x.sigmoid()


x = autograd.randn(4, 2, requires_grad=True)
w = autograd.zeros((2, 3), dtype=np.float64)
b = autograd.ones(3)
y = (x @ w + b).tanh().sum(axis=1, keepdims=True)
loss = (y * y).mean()
loss.backward()
value: float = loss.item() + 1.0
shape: tuple[int, ...] = x.shape
gradient = np.asarray(x.grad)
with no_grad():
    x.data -= 0.1 * gradient

ok: bool = gradcheck(swish, Tensor([0.5, -1.0], requires_grad=True))
jac: Tensor = jacobian(swish, Tensor([0.5, -1.0]))
hess: Tensor = hessian(lambda t: (t * t).sum(), Tensor([0.5, -1.0]))
first, second = jacobian(lambda a, c: a * c, (Tensor([1.0]), Tensor([2.0])))


@given(tensors(shape=(3,), avoid=[0.0]))
def test_relu(t: Tensor) -> None:
    check_gradients(lambda t: t.relu(), t)


X, labels = make_moons(n_samples=64, noise=0.1, seed=0)
model = nn.MLP([2, 8, 2], seed=0).float()
opt = nn.optim.Adam(model.parameters(), lr=0.01)
for xb, yb in DataLoader(X.astype(np.float32), labels, batch_size=32, seed=0):
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(xb), yb).backward()
    opt.step()
model = model.double()
trainer = nn.Trainer(model, nn.CrossEntropyLoss(), nn.optim.SGD(model.parameters(), lr=0.1))
history = trainer.fit(X, labels, epochs=1, batch_size=32, progress=False)
scores: dict[str, float] = trainer.evaluate(X, labels)
predictions = trainer.predict(X)
best: int = int(predictions.argmax())
drawing: viz.Drawing = viz.draw_graph(loss, params=model)
svg: str = viz.to_svg(drawing)
