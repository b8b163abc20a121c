"""Rebuild eval/datasets/arcd/arcd-en.jsonl: 50 ARCD-train questions with hand-written English versions.

Rule: sort articles by title; rng = random.Random(7); rng.shuffle(article order); then for each
article in that order, rng.shuffle(its questions) and take the first question that stands alone
(names its subject; not in EXCLUDED); stop after 50 articles (one question per article).
"""
import json
import random
from pathlib import Path

SRC = str(Path(__file__).parent / "datasets/arcd/arcd-train.json")
OUT = str(Path(__file__).parent / "datasets/arcd/arcd-en.jsonl")

# Questions passed over during selection, with the reason (judged by hand).
EXCLUDED = {
    "440436437513": "'the club' unnamed", "745859207309": "'the club' unnamed",
    "66555908966": "unclear, no subject",
    "193500275713": "'the European part' without naming the country",
    "109832467007": "'he' unnamed", "521114813250": "'he' unnamed", "812813692880": "'he' unnamed",
    "274270367442": "'the inflammation' unnamed", "112951043666": "'the inflammation' unnamed",
    "447533033901": "'its function' unnamed",
    "728117417454": "'it' unnamed", "690502689777": "'it' unnamed",
    "342763670033": "gold span truncated ('نجيب محفوظ (11 ديسمبر'), contains no answer",
    "464644734808": "series unnamed",
    "29552156539": "country unnamed",
    "636071619852": "'the disorder' unnamed",
    "221849285541": "'the manga' unnamed", "703102888758": "'the manga' unnamed",
    "530287111108": "subject unnamed", "220319373920": "subject unnamed",
    "723455648846": "'the manga series' unnamed", "416811527468": "subject unnamed",
    "621598890002": "subject unnamed",
    "164184582531": "gold span wrong (context gives James for France, gold says Carl)",
}

EN = {
    "206288435294": "What did the Jewish writer Michael Hart say about Muhammad (peace be upon him)?",
    "801223142342": "What is the largest continent on Earth?",
    "102094648247": "What is the current name of the Saudi Federation Cup?",
    "177065468626": "When was Husayn ibn Ali killed?",
    "137008086982": "What are the characteristics of a malignant tumour?",
    "661246038101": "Who are the Arabs?",
    "555832005630": "What is China called in Chinese?",
    "451086784603": "How many islands are there in the Caribbean part of the Netherlands?",
    "457276362683": "Which tribe did the Seljuks belong to?",
    "989793971092": "What is the Holy Kaaba?",
    "621261696772": "Who is Larbi Ben M'hidi?",
    "280254886664": "What did Thomas Alva Edison invent?",
    "812722651184": "Who is Bashar al-Assad's father?",
    "379127888424": "Where is Japan located?",
    "612382524180": "Under whose care was Mary, the mother of Jesus (peace be upon him)?",
    "494954827598": "What were fever-reducing substances known as in the Middle Ages?",
    "997586307406": "What are the most serious complications of diabetes?",
    "179838545110": "What is the CAF Champions League called in the North African dialect?",
    "132183157263": "In which century did al-Andalus reach the height of its prosperity?",
    "192219332986": "What is appendicitis?",
    "676465335543": "How many states are there in the United States of America?",
    "702339457251": "What titles is Omar al-Mukhtar known by?",
    "67144520916": "How many nerve endings are there in the glans of the human clitoris?",
    "815967450694": "Where is Oman located relative to the Arabian Peninsula?",
    "297040168862": "What is the area of Iceland?",
    "846360739869": "What did Kahlil Gibran die of?",
    "263491246814": "What was the October War?",
    "255759264192": "What percentage of Iraq's population is Arab?",
    "310583692508": "Who founded the Ottoman Empire?",
    "421880221727": "Who chose Recep Tayyip Erdoğan as president, and how?",
    "946817392187": "On which continent is Belgium located?",
    "954407911139": "In what year was al-Shafi'i born?",
    "532994236002": "What is the other name of the Mona Lisa?",
    "190797397584": "Which country lies to the northeast of Lebanon?",
    "968394995302": "What prize did Naguib Mahfouz win?",
    "619215722705": "What is Game of Thrones?",
    "815034614227": "How many Bitcoin users were there in 2017?",
    "71045458517": "What is the area of the Arab Republic of Egypt?",
    "45587242917": "Why was the Battle of Badr given that name?",
    "598307021673": "What was the Fatimid Caliphate?",
    "935676649214": "What happens during manic phases?",
    "296610141606": "When was the Seven Wonders of the World project launched?",
    "435766337296": "Where do lions usually live?",
    "404133219598": "What shape is Palestine?",
    "518199435345": "By what name was Suleiman I known in the West?",
    "71146208119": "What is Detective Conan?",
    "998003551701": "How many governorates is Syria made up of?",
    "980306644714": "Which lands did Saladin recover from the Crusaders?",
    "810935147646": "Who are the Rothschild family?",
    "568875601257": "Why is the Gregorian calendar called the 'Miladi' (birth) calendar in Arab countries?",
}

def main() -> None:
    arts = sorted(json.load(open(SRC, encoding="utf-8"))["data"], key=lambda a: a["title"])
    rng = random.Random(7)
    order = list(range(len(arts)))
    rng.shuffle(order)
    rows = []
    for i in order:
        a = arts[i]
        qs = [q for p in a["paragraphs"] for q in p["qas"]]
        rng.shuffle(qs)
        q = next(q for q in qs if q["id"] not in EXCLUDED)
        rows.append({"id": q["id"], "title": a["title"], "question_ar": q["question"].strip(),
                     "question": EN[q["id"]], "answers": [x["text"] for x in q["answers"]]})
        if len(rows) == 50:
            break
    assert {r["id"] for r in rows} == set(EN), set(EN) ^ {r["id"] for r in rows}
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "rows,", len({r['title'] for r in rows}), "articles")

if __name__ == "__main__":
    main()
