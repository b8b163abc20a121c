import pytest
from conftest import ARTICLES

from index.chunk import ChunkConfig, chunk_article
from index.load import Article, load_corpus


def _size(text: str, cfg: ChunkConfig) -> int:
    return len(text) if cfg.unit == "chars" else len(text.split())


@pytest.mark.parametrize("cfg", [ChunkConfig(), ChunkConfig(size=300, overlap=2),
                                 ChunkConfig(size=60, overlap=1, unit="words"), ChunkConfig(size=100, overlap=0)])
def test_offsets_budget_and_overlap_on_real_corpus(cfg):
    arts, _ = load_corpus(ARTICLES)
    for a in arts:
        chunks = chunk_article(a, cfg)
        assert chunks
        for c in chunks:
            assert c.text == a.text[c.start : c.end]
            assert _size(c.text, cfg) <= cfg.size
            assert c.title == a.title and c.article_id == a.id
        # every character of content is covered, in order
        assert chunks[0].start == 0 and chunks[-1].end == len(a.text.rstrip())
        for prev, nxt in zip(chunks, chunks[1:]):
            assert nxt.start <= prev.end + 1 or a.text[prev.end : nxt.start].strip() == ""
            if cfg.overlap:  # overlap, unless the two chunks together would exceed the budget
                assert nxt.start < prev.end or _size(prev.text, cfg) + _size(nxt.text, cfg) > cfg.size


def test_ids_are_stable_and_content_derived():
    a = Article(id="x.txt", title="عنوان", text="عنوان\nجملة أولى. جملة ثانية.", source="x.txt")
    ids1 = [c.id for c in chunk_article(a)]
    ids2 = [c.id for c in chunk_article(a)]
    assert ids1 == ids2
    b = Article(id="x.txt", title="عنوان", text="عنوان\nجملة أولى. جملة مختلفة.", source="x.txt")
    assert [c.id for c in chunk_article(b)] != ids1


def test_overlong_sentence_is_cut_at_words():
    text = " ".join(f"كلمة{i}" for i in range(200))
    a = Article(id="l", title="t", text=text, source="l")
    chunks = chunk_article(a, ChunkConfig(size=100, overlap=1))
    assert len(chunks) > 5
    assert all(len(c.text) <= 100 and c.text == text[c.start : c.end] for c in chunks)
    assert " ".join(c.text for c in chunks) == text


def test_embed_text_carries_title_once():
    a = Article(id="a", title="قمة بريكس", text="قمة بريكس\nجملة. " + "نص آخر. " * 200, source="a")
    chunks = chunk_article(a, ChunkConfig(size=100))
    assert chunks[0].embed_text == chunks[0].text
    assert chunks[1].embed_text.startswith("قمة بريكس\n") == (len(chunks[1].text) < 200)


@pytest.mark.parametrize("kw", [dict(unit="tokens"), dict(size=3), dict(overlap=-1)])
def test_bad_config(kw):
    with pytest.raises(ValueError):
        ChunkConfig(**kw)


def _hostile_texts(seed: int) -> list[str]:
    """Texts no article should have: space-less runs of every length (URLs,
    base64), huge words between sentences, runs of punctuation and newlines."""
    import random

    rnd = random.Random(seed)
    pieces = ["زار بوتين العاصمة.", "قال المتحدث إن الزيارة مهمة؟", "https://x.io/" + "A" * rnd.randint(500, 5000),
              "Q" * rnd.randint(1, 30_000), "كلمة " * rnd.randint(1, 400), "\n\n", "...", "؟" * rnd.randint(1, 50),
              "B" * 599, "C" * 601, " ", "ا" * rnd.randint(100, 2000)]
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12))) for _ in range(25)]


@pytest.mark.parametrize("cfg", [ChunkConfig(600, 1, "chars"), ChunkConfig(50, 2, "chars"),
                                 ChunkConfig(120, 1, "words"), ChunkConfig(20, 0, "chars")])
@pytest.mark.parametrize("seed", range(4))
def test_no_chunk_ever_exceeds_its_budget_on_hostile_text(cfg, seed):
    """A 200,000-character URL became one 200,020-character chunk: a single
    token longer than the budget was never cut."""
    from index.chunk import MAX_TOKEN_CHARS

    for text in _hostile_texts(seed):
        if not text.strip():
            continue
        art = Article(id="h.txt", title="عنوان", text=text, source="h.txt")
        chunks = chunk_article(art, cfg)
        assert chunks
        for c in chunks:
            assert c.text == text[c.start:c.end]
            if cfg.unit == "chars":
                assert len(c.text) <= cfg.size, (len(c.text), cfg)
            else:
                # a word longer than MAX_TOKEN_CHARS counts once per piece: at most size x that many characters
                assert sum(-(-len(w) // MAX_TOKEN_CHARS) for w in c.text.split()) <= cfg.size
        covered = "".join(text[c.start:c.end] for c in chunks)
        assert "".join(covered.split()).count("Q") >= "".join(text.split()).count("Q")  # nothing silently lost
