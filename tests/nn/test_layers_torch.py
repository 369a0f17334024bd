"""Every new layer against PyTorch: a PyTorch state_dict loads and both agree
on outputs, gradients and buffers (float64, 1e-10 relative), in training and
in evaluation mode."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from tests.nn.torch_pairs import compare, torch_state

torch = pytest.importorskip("torch", reason="PyTorch oracle not installed")
tnn = torch.nn

rng = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


CASES = [
    ("conv1d", lambda: tnn.Conv1d(3, 4, 3, stride=2, padding=1),
     lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("conv1d-same-reflect", lambda: tnn.Conv1d(2, 4, 4, padding="same", dilation=2,
                                               padding_mode="reflect", groups=2),
     lambda: nn.Conv1d(2, 4, 4, padding="same", dilation=2, padding_mode="reflect", groups=2),
     [(2, 2, 11)]),
    ("conv2d-groups", lambda: tnn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1,
                                         dilation=(1, 2), groups=2),
     lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
     [(2, 4, 7, 8)]),
    ("conv2d-same-circular", lambda: tnn.Conv2d(3, 4, 3, padding="same", padding_mode="circular"),
     lambda: nn.Conv2d(3, 4, 3, padding="same", padding_mode="circular"), [(2, 3, 5, 6)]),
    ("conv2d-replicate-nobias", lambda: tnn.Conv2d(3, 2, 2, padding=1, bias=False,
                                                   padding_mode="replicate"),
     lambda: nn.Conv2d(3, 2, 2, padding=1, bias=False, padding_mode="replicate"),
     [(3, 5, 4)]),
    ("conv-transpose2d", lambda: tnn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                     output_padding=1, groups=2),
     lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
     [(2, 4, 4, 5)]),
    ("conv-transpose2d-dilated", lambda: tnn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2),
                                                             dilation=2),
     lambda: nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), dilation=2), [(1, 3, 3, 4)]),
    ("maxpool2d", lambda: tnn.MaxPool2d(3, 2, 1), lambda: nn.MaxPool2d(3, 2, 1), [(2, 3, 7, 6)]),
    ("maxpool2d-ceil", lambda: tnn.MaxPool2d(2, ceil_mode=True, dilation=1),
     lambda: nn.MaxPool2d(2, ceil_mode=True), [(2, 2, 5, 7)]),
    ("avgpool2d", lambda: tnn.AvgPool2d(3, 2, 1, count_include_pad=False),
     lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [(2, 3, 7, 6)]),
    ("adaptive-avgpool2d", lambda: tnn.AdaptiveAvgPool2d((3, 2)),
     lambda: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    ("batchnorm1d", lambda: tnn.BatchNorm1d(4), lambda: nn.BatchNorm1d(4), [(8, 4)]),
    ("batchnorm1d-3d-cumulative", lambda: tnn.BatchNorm1d(4, momentum=None),
     lambda: nn.BatchNorm1d(4, momentum=None), [(3, 4, 5)]),
    ("batchnorm2d", lambda: tnn.BatchNorm2d(3, eps=1e-3, momentum=0.3),
     lambda: nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), [(4, 3, 5, 5)]),
    ("batchnorm2d-no-affine", lambda: tnn.BatchNorm2d(3, affine=False),
     lambda: nn.BatchNorm2d(3, affine=False), [(4, 3, 2, 2)]),
    ("batchnorm2d-untracked", lambda: tnn.BatchNorm2d(3, track_running_stats=False),
     lambda: nn.BatchNorm2d(3, track_running_stats=False), [(4, 3, 2, 2)]),
    ("layernorm", lambda: tnn.LayerNorm((4, 5)), lambda: nn.LayerNorm((4, 5)), [(2, 3, 4, 5)]),
    ("layernorm-nobias", lambda: tnn.LayerNorm(5, bias=False, eps=1e-3),
     lambda: nn.LayerNorm(5, bias=False, eps=1e-3), [(3, 5)]),
    ("groupnorm", lambda: tnn.GroupNorm(2, 4), lambda: nn.GroupNorm(2, 4), [(3, 4, 3, 2)]),
    ("rmsnorm", lambda: tnn.RMSNorm(5), lambda: nn.RMSNorm(5), [(2, 3, 5)]),
    ("rmsnorm-eps", lambda: tnn.RMSNorm((3, 5), eps=1e-3), lambda: nn.RMSNorm((3, 5), eps=1e-3),
     [(2, 3, 5)]),
    ("rnn", lambda: tnn.RNN(3, 5, 2, bidirectional=True),
     lambda: nn.RNN(3, 5, 2, bidirectional=True), [(4, 2, 3)]),
    ("rnn-relu-batch-first", lambda: tnn.RNN(3, 4, nonlinearity="relu", batch_first=True),
     lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), [(2, 5, 3), (1, 2, 4)]),
    ("lstm", lambda: tnn.LSTM(3, 4, 2, batch_first=True, bidirectional=True),
     lambda: nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True), [(2, 5, 3)]),
    ("lstm-unbatched-nobias", lambda: tnn.LSTM(3, 4, bias=False),
     lambda: nn.LSTM(3, 4, bias=False), [(5, 3)]),
    ("gru", lambda: tnn.GRU(3, 4, 2), lambda: nn.GRU(3, 4, 2), [(5, 2, 3), (2, 2, 4)]),
    ("rnncell", lambda: tnn.RNNCell(3, 4), lambda: nn.RNNCell(3, 4), [(2, 3), (2, 4)]),
    ("grucell", lambda: tnn.GRUCell(3, 4), lambda: nn.GRUCell(3, 4), [(2, 3), (2, 4)]),
    ("flatten", lambda: tnn.Flatten(), lambda: nn.Flatten(), [(2, 3, 4)]),
    ("flatten-middle", lambda: tnn.Flatten(1, 2), lambda: nn.Flatten(1, 2), [(2, 3, 4, 5)]),
    ("unflatten", lambda: tnn.Unflatten(1, (2, 3)), lambda: nn.Unflatten(1, (2, 3)), [(4, 6)]),
    ("cnn", lambda: tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4),
                                   tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                                   tnn.Linear(16, 3)),
     lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                           nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3)), [(3, 1, 4, 4)]),
]  # fmt: skip


@pytest.mark.parametrize("name, tfactory, sfactory, shapes", CASES, ids=[c[0] for c in CASES])
def test_module_matches_pytorch_in_training_and_evaluation(name, tfactory, sfactory, shapes):
    torch.manual_seed(0)
    tmod, smod = tfactory().double(), sfactory()
    inputs = [randn(*s) for s in shapes]
    # Training: outputs, gradients and the buffers after one step.
    compare(torch, tmod.train(), smod, inputs)
    # Evaluation, with the state (running statistics) reached by training.
    compare(torch, tmod.eval(), smod, [randn(*s) for s in shapes], seed=1)


def test_lstm_cell_and_initial_states_match_pytorch():
    torch.manual_seed(1)
    tcell, scell = tnn.LSTMCell(3, 4).double(), nn.LSTMCell(3, 4)
    x, h, c = randn(2, 3), randn(2, 4), randn(2, 4)
    compare(torch, tcell, scell, [x, h, c], call=lambda m, x, h, c: m(x, (h, c)))
    tl, sl = tnn.LSTM(3, 4, 2).double(), nn.LSTM(3, 4, 2)
    h0, c0 = randn(2, 2, 4), randn(2, 2, 4)
    compare(torch, tl, sl, [randn(5, 2, 3), h0, c0], call=lambda m, x, h, c: m(x, (h, c)))


def test_embedding_with_padding_idx_matches_pytorch():
    torch.manual_seed(0)
    temb, semb = tnn.Embedding(10, 4, padding_idx=0).double(), nn.Embedding(10, 4, padding_idx=0)
    assert not np.any(semb.weight.data[0])
    idx = np.array([[0, 3, 3, 9], [1, 0, 2, 3]])
    compare(torch, temb, semb, [idx])
    # A nonzero padding row is returned as is and still gets no gradient.
    with torch.no_grad():
        temb.weight[0] = 1.0
    compare(torch, temb, semb, [idx])


MHA_CALLS = {
    "self": lambda m, x, mask, pad: m(x, x, x),
    "masks": lambda m, x, mask, pad: m(x, x, x, key_padding_mask=pad, attn_mask=mask),
    "per-head": lambda m, x, mask, pad: m(x, x, x, attn_mask=mask, average_attn_weights=False),
    "cross": lambda m, x, mask, pad: m(x, x * 2.0, x + 1.0, need_weights=False),
}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", sorted(MHA_CALLS))
def test_multihead_attention_matches_pytorch(kind, batch_first):
    torch.manual_seed(0)
    tmod = tnn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    smod = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    length, n = 4, 3
    x = randn(n, length, 8) if batch_first else randn(length, n, 8)
    causal = np.triu(np.ones((length, length), dtype=bool), 1)
    pad = np.zeros((n, length), dtype=bool)
    pad[1, -1] = True
    call = MHA_CALLS[kind]

    def run(m, x):
        as_t = isinstance(m, torch.nn.Module)
        conv = torch.tensor if as_t else np.asarray
        return call(m, x, conv(causal), conv(pad))

    compare(torch, tmod, smod, [x], call=run)


def test_multihead_attention_float_mask_unbatched_and_names():
    torch.manual_seed(0)
    tmod, smod = tnn.MultiheadAttention(6, 3).double(), nn.MultiheadAttention(6, 3)
    assert set(torch_state(tmod)) == set(smod.state_dict())
    mask = randn(4, 4)
    compare(
        torch, tmod, smod, [randn(4, 6)],
        call=lambda m, x: m(x, x, x, attn_mask=torch.tensor(mask) if isinstance(
            m, torch.nn.Module) else mask),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("norm_first", "activation"), [(False, "relu"), (True, "relu"), (True, "gelu")]
)
def test_transformer_encoder_layer_matches_pytorch(norm_first, activation):
    torch.manual_seed(0)
    kw = {
        "dim_feedforward": 16,
        "batch_first": True,
        "norm_first": norm_first,
        "activation": activation,
    }
    tmod = tnn.TransformerEncoderLayer(8, 2, **kw).double()
    smod = nn.TransformerEncoderLayer(8, 2, **kw)
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)

    def run(m, x):
        return m(x, src_mask=torch.tensor(mask) if isinstance(m, torch.nn.Module) else mask)

    # Dropout 0.1 by default: compare in evaluation mode, then without dropout in training.
    compare(torch, tmod.eval(), smod, [randn(2, 5, 8)], call=run)
    tmod2 = tnn.TransformerEncoderLayer(8, 2, dropout=0.0, **kw).double().train()
    smod2 = nn.TransformerEncoderLayer(8, 2, dropout=0.0, **kw)
    compare(torch, tmod2, smod2, [randn(2, 5, 8)], call=run)


def test_batchnorm_buffers_follow_pytorch_over_several_steps_and_save(tmp_path):
    torch.manual_seed(0)
    tbn, sbn = tnn.BatchNorm2d(3).double(), nn.BatchNorm2d(3)
    topt = torch.optim.SGD(tbn.parameters(), lr=0.1)
    sopt = nn.optim.SGD(sbn.parameters(), lr=0.1)
    for _ in range(3):
        x = randn(4, 3, 2, 2)
        tl = (tbn(torch.tensor(x)) ** 3).sum()
        topt.zero_grad()
        tl.backward()
        topt.step()
        sl = (sbn(nn.functional._tensor(x)) ** 3).sum()
        sopt.zero_grad()
        sl.backward()
        sopt.step()
    ts, ss = torch_state(tbn), sbn.state_dict()
    assert int(ss["num_batches_tracked"]) == 3 and ss["num_batches_tracked"].dtype == np.int64
    for k in ts:
        np.testing.assert_allclose(ss[k], ts[k], rtol=1e-10, atol=1e-12)
    assert [n for n, _ in sbn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in sbn.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    path = nn.save(sbn, tmp_path / "bn")
    fresh = nn.BatchNorm2d(3)
    fresh.load_state_dict(nn.load(path))
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v, ss[k])


def test_default_initialisation_follows_pytorch_bounds():
    conv = nn.Conv2d(4, 8, 3, seed=0)
    bound = 1.0 / np.sqrt(4 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.9 * bound
    tconv = nn.ConvTranspose2d(4, 6, 3, groups=2, seed=0)
    assert tconv.weight.shape == (4, 3, 3, 3)
    assert np.abs(tconv.bias.data).max() <= 1.0 / np.sqrt(3 * 9)
    lstm = nn.LSTM(3, 16, seed=0)
    assert all(np.abs(p.data).max() <= 0.25 for p in lstm.parameters())
    emb = nn.Embedding(2000, 8, seed=0)
    assert abs(emb.weight.data.std() - 1.0) < 0.05
    mha = nn.MultiheadAttention(8, 2, seed=0)
    assert not np.any(mha.in_proj_bias.data) and not np.any(mha.out_proj.bias.data)
    xavier = np.sqrt(6.0 / (8 + 24))
    assert np.abs(mha.in_proj_weight.data).max() <= xavier


def test_multihead_attention_per_head_mask_and_float_padding_match_pytorch():
    torch.manual_seed(2)
    tmod = tnn.MultiheadAttention(4, 2, batch_first=True).double()
    smod = nn.MultiheadAttention(4, 2, batch_first=True)
    n, length = 2, 3
    bool_mask = rng.random((n * 2, length, length)) > 0.6
    bool_mask[..., 0] = False  # every query may attend to the first key
    bool_pad = np.zeros((n, length), dtype=bool)
    bool_pad[0, 2] = True
    # PyTorch wants both masks of one kind: all boolean, then all float.
    for mask, pad in ((bool_mask, bool_pad), (randn(n * 2, length, length), randn(n, length))):

        def run(m, q, kv, mask=mask, pad=pad):
            conv = torch.tensor if isinstance(m, torch.nn.Module) else np.asarray
            return m(q, kv, kv, attn_mask=conv(mask), key_padding_mask=conv(pad))

        compare(torch, tmod, smod, [randn(n, length, 4), randn(n, length, 4)], call=run)
