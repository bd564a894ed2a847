"""lmlab.embeddings against plain torch references, on the shipped GPT and MiniLM.

Checks: nearest tokens are the top cosine similarities of ``wte`` (torch.nn.functional's
cosine_similarity), the token itself left out, and the shipped GPT puts ' Duke' next to ' King';
the PCA map's explained shares are the covariance's top eigenvalues and its coordinates the
centred rows projected; token kinds; the position similarity matrix; MiniLM sentence vectors are
unit length, do not depend on padding, and a paraphrase is closer than an unrelated line.
About 10 s on 2 cores (MiniLM loads once).

Run:  python -m pytest tests/test_embeddings.py -q
"""

import pytest
import torch
import torch.nn.functional as F

from lmlab import embeddings as emb
from lmlab.bpe import BPE
from lmlab.models import load_gpt


@pytest.fixture(scope="module")
def model():
    return load_gpt("shakespeare")


def test_nearest_tokens_are_the_top_cosines_without_the_token_itself(model):
    bpe = BPE.from_tokenizer_json()
    king = bpe.encode(" King")[0]
    ids, sims = emb.nearest_tokens(model, king, k=5)
    w = model.transformer.wte.weight
    ref = F.cosine_similarity(w, w[king][None], dim=-1)
    ref[king] = -2
    top = ref.topk(5)
    assert ids.tolist() == top.indices.tolist()
    torch.testing.assert_close(sims, top.values, atol=1e-5, rtol=0)
    assert king not in ids.tolist()
    assert bpe.token_text(int(ids[0])) == " Duke"
    with pytest.raises(ValueError, match="outside"):
        emb.nearest_tokens(model, 99_999)


def test_pca_map_explains_the_covariances_top_eigenvalues(model):
    coords, explained = emb.pca_map(model)
    w = model.transformer.wte.weight.double()
    centred = w - w.mean(0)
    eig = torch.linalg.eigvalsh(centred.T @ centred).flip(0)
    torch.testing.assert_close(explained.double(), eig[:2] / eig.sum(), atol=1e-5, rtol=0)
    assert coords.shape == (model.config.vocab_size, 2)
    var = coords.double().var(0, unbiased=False) * w.shape[0]
    torch.testing.assert_close(var, eig[:2], rtol=1e-4, atol=0)


def test_token_kinds():
    shown = {" King": "space + capital", " the": "space + lower case", "ROM": "capital",
             "eo": "lower case", ",--": "punctuation", "12": "digits", "\n\n": "white space",
             "<e5 ba>": "bytes / other"}
    assert {s: emb.KINDS[emb.token_kind(s)] for s in shown} == shown


def test_position_similarity_is_the_cosine_of_the_position_vectors(model):
    sim = emb.position_similarity(model)
    wpe = model.transformer.wpe.weight
    assert sim.shape == (model.config.block_size,) * 2
    torch.testing.assert_close(torch.diagonal(sim), torch.ones(len(sim)), atol=1e-5, rtol=0)
    torch.testing.assert_close(sim[3, 17], F.cosine_similarity(wpe[3], wpe[17], dim=0),
                               atol=1e-5, rtol=0)


def test_sentence_embeddings_are_unit_vectors_and_a_paraphrase_is_closer():
    lines = ["To be, or not to be: that is the question.", "Whether to live or to die.",
             "The train leaves at nine tomorrow morning from platform four."]
    vecs = emb.sentence_embeddings(lines)
    assert vecs.shape == (3, 384)
    torch.testing.assert_close(vecs.norm(dim=-1), torch.ones(3), atol=1e-5, rtol=0)
    alone = emb.sentence_embeddings(lines[1:2])  # no padding
    torch.testing.assert_close(alone[0], vecs[1], atol=1e-5, rtol=0)
    sim = emb.cosine_matrix(vecs)
    assert sim[0, 1] > sim[0, 2]
    with pytest.raises(ValueError):
        emb.sentence_embeddings([])
