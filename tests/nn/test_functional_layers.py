"""nn.functional's convolution, pooling, normalization, embedding and attention
functions: against PyTorch, with gradcheck and gradgradcheck, and on bad input."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor, gradcheck, gradgradcheck
from tests.nn.torch_pairs import close

rng = np.random.default_rng(0)


def leaf(*shape: int) -> Tensor:
    return Tensor(rng.standard_normal(shape), requires_grad=True)


# ------------------------------------------------------------ against PyTorch
def _torch_cases(TF):
    r = rng.standard_normal
    x4, x3 = r((2, 4, 6, 7)), r((2, 4, 9))
    return [
        ("conv2d", lambda f, x, w, b: f.conv2d(x, w, b, stride=2, padding=(1, 2), groups=2),
         [x4, r((6, 2, 3, 3)), r(6)]),
        ("conv2d-same", lambda f, x, w: f.conv2d(x, w, padding="same", dilation=(2, 3)),
         [x4, r((3, 4, 2, 4))]),
        ("conv1d", lambda f, x, w, b: f.conv1d(x, w, b, stride=2, dilation=2, padding=3),
         [x3, r((5, 4, 3)), r(5)]),
        ("conv_transpose2d", lambda f, x, w, b: f.conv_transpose2d(
            x, w, b, stride=(2, 3), padding=1, output_padding=(1, 2), dilation=1),
         [x4, r((4, 3, 3, 4)), r(3)]),
        # output_padding at least the stride (allowed below the dilation) and beyond the
        # padding: once a miscounted fold.
        ("conv_transpose2d-output_padding", lambda f, x, w, b: f.conv_transpose2d(
            x, w, b, stride=(3, 2), padding=(1, 2), output_padding=(2, 3), groups=2,
            dilation=(4, 4)), [x4, r((4, 2, 4, 5)), r(4)]),
        ("max_pool2d", lambda f, x: f.max_pool2d(x, (2, 3), stride=(1, 2), dilation=(2, 1)),
         [x4]),
        ("avg_pool2d", lambda f, x: f.avg_pool2d(x, 3, stride=2, padding=1), [x4]),
        # PyTorch's empty stride (the kernel) and one-element padding (both sides).
        ("avg_pool2d-defaults", lambda f, x: f.avg_pool2d(x, (2, 2), (), (1,)), [x4]),
        ("adaptive_avg_pool2d", lambda f, x: f.adaptive_avg_pool2d(x, (4, 3)), [x4]),
        ("interpolate-nearest", lambda f, x: f.interpolate(x, size=(9, 4)), [x4]),
        ("interpolate-bilinear", lambda f, x: f.interpolate(
            x, scale_factor=1.5, mode="bilinear", align_corners=False), [x4]),
        ("interpolate-corners", lambda f, x: f.interpolate(
            x, size=(3, 10), mode="bilinear", align_corners=True), [x4]),
        ("unfold", lambda f, x: f.unfold(x, 3, padding=1, stride=(2, 1)), [x4]),
        ("fold", lambda f, c: f.fold(c, (5, 6), (2, 3), padding=(1, 0), dilation=(1, 2)),
         [r((2, 12, 12))]),
        ("batch_norm-train", lambda f, x, w, b: f.batch_norm(
            x, None, None, w, b, training=True, eps=1e-3), [x4, r(4), r(4)]),
        ("layer_norm", lambda f, x, w, b: f.layer_norm(x, (6, 7), w, b), [x4, r((6, 7)),
                                                                          r((6, 7))]),
        ("group_norm", lambda f, x, w, b: f.group_norm(x, 2, w, b, eps=1e-4), [x4, r(4), r(4)]),
        ("rms_norm", lambda f, x, w: f.rms_norm(x, (7,), w), [x4, r(7)]),
        ("sdpa-causal", lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v,
                                                                          is_causal=True),
         [r((2, 3, 5, 4)), r((2, 3, 5, 4)), r((2, 3, 5, 6))]),
        ("sdpa-scale", lambda f, q, k, v: f.scaled_dot_product_attention(q, k, v, scale=0.3),
         [r((2, 5, 4)), r((2, 7, 4)), r((2, 7, 3))]),
    ]  # fmt: skip


CASE_NAMES = [c[0] for c in _torch_cases(None)]


# PyTorch warns that 'same' with an even kernel pads asymmetrically: that is the case tested.
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("index", range(len(CASE_NAMES)), ids=CASE_NAMES)
def test_functional_matches_pytorch(index):
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    TF = torch.nn.functional
    _, fn, arrays = _torch_cases(TF)[index]
    before = [a.copy() for a in arrays]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(F, *ours), fn(TF, *theirs)
    close(out.data, tout.detach().numpy(), "output")
    g = rng.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    tout.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        close(a.grad.data, b.grad.numpy(), f"gradient {i}")
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)  # inputs are never written to


def test_masks_indices_and_running_stats_match_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
    TF = torch.nn.functional
    q, k, v = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    bool_mask = rng.random((4, 4)) > 0.3
    np.fill_diagonal(bool_mask, True)
    float_mask = rng.standard_normal((4, 4))
    for mask in (bool_mask, float_mask):
        ours = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=mask)
        theirs = TF.scaled_dot_product_attention(
            torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(mask)
        )
        close(ours.data, theirs.numpy(), "attention")
    x = rng.standard_normal((2, 3, 7, 7))
    x[0, 0, 0, :2] = 5.0  # a tie inside one window: the first wins
    out, idx = F.max_pool2d(Tensor(x), 3, 2, 1, return_indices=True)
    tout, tidx = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    close(out.data, tout.numpy(), "max")
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    rm, rv = np.zeros(3), np.ones(3)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.batch_norm(Tensor(x), rm, rv, training=True, momentum=0.2)
    TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.2)
    close(rm, trm.numpy(), "running_mean")
    close(rv, trv.numpy(), "running_var")
    ev = F.batch_norm(Tensor(x), rm, rv, Tensor(np.full(3, 2.0)), None, training=False)
    two = torch.full((3,), 2.0, dtype=torch.float64)
    tev = TF.batch_norm(torch.tensor(x), trm, trv, two, None, training=False)
    close(ev.data, tev.numpy(), "evaluation")
    idx = np.array([[2, 0], [1, 3]])
    np.testing.assert_array_equal(F.one_hot(idx, 5).data, TF.one_hot(torch.tensor(idx), 5).numpy())


# ------------------------------------------------------ finite differences
SMOOTH = [
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2),
                                        groups=2), [(1, 2, 4, 5), (2, 1, 2, 2), (2,)]),
    ("conv1d-same", lambda x, w: F.conv1d(x, w, padding="same"), [(2, 1, 5), (2, 1, 4)]),
    ("conv_transpose2d", lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1),
     [(1, 2, 2, 3), (2, 1, 2, 2)]),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, 1, padding=1, count_include_pad=False),
     [(1, 2, 3, 3)]),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 1, 3, 4)]),
    ("interpolate", lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
     [(1, 1, 2, 3)]),
    ("fold", lambda c: F.fold(c, (3, 3), 2), [(1, 4, 4)]),
    ("batch_norm", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     [(3, 2, 2), (2,), (2,)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, 3, w, b), [(2, 3), (3,), (3,)]),
    ("group_norm", lambda x: F.group_norm(x, 2), [(2, 4, 2)]),
    ("rms_norm", lambda x, w: F.rms_norm(x, 3, w), [(2, 3), (3,)]),
    ("attention", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
     [(2, 3, 2), (2, 3, 2), (2, 3, 2)]),
    ("lstm", lambda x: nn.LSTM(2, 2, seed=0, dtype=np.float64)(x)[0], [(3, 1, 2)]),
    ("gru", lambda x: nn.GRU(2, 2, seed=0)(x)[1], [(3, 1, 2)]),
]  # fmt: skip


@pytest.mark.parametrize("name, fn, shapes", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    inputs = tuple(leaf(*s) for s in shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_max_pool_and_embedding_gradcheck():
    # Distinct values keep the finite differences away from ties.
    x = Tensor(rng.permutation(24).reshape(1, 2, 3, 4) * 0.1, requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 2, 1), (x,))
    assert gradgradcheck(lambda t: F.max_pool2d(t, 2, 1) ** 2, (x,))
    w = leaf(5, 3)
    idx = np.array([[1, 4, 1], [0, 2, 4]])
    assert gradcheck(lambda t: F.embedding(idx, t), (w,))
    # The padding row is read but gets no gradient (on purpose, as in PyTorch).
    out = F.embedding(idx, w, padding_idx=4)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.data[:, 0], [1, 2, 1, 0, 0])


# ------------------------------------------------------------ dtypes, errors
def test_float32_stays_float32():
    x = Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    conv = nn.Conv2d(3, 4, 3, dtype=np.float32)
    out = F.max_pool2d(F.batch_norm(conv(x), None, None, training=True), 2)
    out = F.layer_norm(F.interpolate(out, scale_factor=2, mode="bilinear"), 4)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and conv.weight.grad.dtype == np.float32


def test_unbatched_inputs_match_batched():
    w, b = leaf(4, 3, 3, 3), leaf(4)
    x = rng.standard_normal((3, 5, 5))
    single = F.conv2d(Tensor(x), w, b, padding=1)
    batched = F.conv2d(Tensor(x[None]), w, b, padding=1)
    np.testing.assert_array_equal(single.data, batched.data[0])
    pooled = F.max_pool2d(Tensor(x), 2)
    assert pooled.shape == (3, 2, 2)


def test_empty_batches_flow_forward_and_backward():
    # Regression: the convolution's backward reshaped with -1, which an empty batch refuses.
    x = Tensor(np.zeros((0, 4, 5, 5)), requires_grad=True)
    model = nn.Sequential(
        nn.Conv2d(4, 4, 3, padding=1, groups=2), nn.Conv2d(4, 2, 3), nn.MaxPool2d(2),
        nn.GroupNorm(2, 2), nn.AvgPool2d(1), nn.Flatten(),
    )  # fmt: skip
    out = model(x)
    assert out.shape == (0, 2)
    out.sum().backward()
    assert x.grad.shape == x.shape and not np.any(model[0].weight.grad.data)
    assert nn.LSTM(3, 4)(Tensor(np.zeros((2, 0, 3))))[0].shape == (2, 0, 4)
    assert F.embedding(np.zeros(0, dtype=int), Tensor(np.ones((3, 2)))).shape == (0, 2)


def test_nan_and_inf_propagate_through_pooling_and_conv():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 3, 3] = np.inf
    out = F.max_pool2d(Tensor(x), 2).data
    assert np.isnan(out[0, 0, 0, 0]) and out[0, 0, 1, 1] == np.inf and out[0, 0, 0, 1] == 0
    conv = F.conv2d(Tensor(x), Tensor(np.ones((1, 1, 2, 2)))).data
    assert np.isnan(conv[0, 0, 0, 0]) and np.isfinite(conv[0, 0, 1, 1])


def test_bad_input_gives_clear_errors_and_leaves_data_alone():
    x = rng.standard_normal((2, 3, 5, 5))
    keep = x.copy()
    with pytest.raises(ValueError, match="3 channels does not fit weight"):
        F.conv2d(Tensor(x), Tensor(np.ones((4, 2, 3, 3))))
    with pytest.raises(ValueError, match="smaller than the"):
        F.conv2d(Tensor(x), Tensor(np.ones((4, 3, 7, 7))))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(Tensor(x), Tensor(np.ones((4, 3, 3, 3))), stride=2, padding="same")
    with pytest.raises(ValueError, match="stride must be at least 1"):
        F.conv2d(Tensor(x), Tensor(np.ones((4, 3, 3, 3))), stride=0)
    with pytest.raises(ValueError, match="4-D"):
        F.conv2d(Tensor(x[0, 0]), Tensor(np.ones((4, 3, 3, 3))))
    with pytest.raises(ValueError, match="at most half of the kernel"):
        F.max_pool2d(Tensor(x), 2, padding=2)
    with pytest.raises(ValueError, match="does not fit output_size"):
        F.fold(Tensor(np.ones((1, 8, 5))), (4, 4), 2)
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(Tensor(x), (4,))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(Tensor(x[:1, :, :1, :1]), None, None, training=True)
    with pytest.raises(IndexError, match="out of range for 4 embeddings"):
        F.embedding(np.array([4]), Tensor(np.ones((4, 2))))
    with pytest.raises(TypeError, match="indices must be integers"):
        F.embedding(np.array([0.5]), Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        q = Tensor(np.ones((2, 2)))
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(Tensor(x))
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    np.testing.assert_array_equal(x, keep)


def test_dropout2d_zeroes_whole_channels():
    x = Tensor(np.ones((50, 8, 3, 3)))
    out = F.dropout2d(x, 0.5, generator=0).data
    per_channel = out.reshape(50, 8, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert 0.35 < (per_channel[..., 0] == 0).mean() < 0.65
    assert F.dropout2d(x, 0.5, training=False) is x
    layer = nn.Dropout2d(0.3, seed=1).eval()
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_attention_dropout_is_active_only_in_training():
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, seed=0)
    x = Tensor(rng.standard_normal((3, 2, 4)))
    a, _ = mha(x, x, x)
    b, _ = mha(x, x, x)
    assert not np.allclose(a.data, b.data)
    mha.eval()
    c, w = mha(x, x, x)
    d, _ = mha(x, x, x)
    np.testing.assert_array_equal(c.data, d.data)
    np.testing.assert_allclose(w.data.sum(-1), 1.0)


def test_gradients_flow_to_every_parameter_of_a_small_transformer():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, seed=0)
    x = Tensor(rng.standard_normal((2, 5, 8)))
    layer(x, is_causal=True).sum().backward()
    assert all(p.grad is not None for p in layer.parameters())
    assert autograd.is_grad_enabled()
