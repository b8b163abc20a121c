"""Rules from the held-out review (2026-11-29, eval/README.md): each test
names the tester's question whose wrong-but-shown answer it stops."""

from rag.kinds import asks_relative, has_duration
from rag.nations import moved_past, no_new_destination
from rag.query import analyse_query
from rag.synonyms import GROUPS


def test_relative_length_is_no_duration():
    # U5 «كم دام لقاء بوتين مع كيم…» was answered with «بعد تسعة أشهر من استقباله…»
    assert not has_duration("وتأتي زيارة بوتين إلى كوريا الشمالية بعد تسعة أشهر من استقباله الزعيم الكوري")
    assert not has_duration("قبل أقل من 3 أسابيع من أمره قواته بالهجوم")
    assert not has_duration("He arrived two days ago")
    assert has_duration("بعد زيارة تستغرق يومين إلى بيشكيك")  # the visit's own length (eval q070)
    assert has_duration("The talks lasted three hours")


def test_relative_length_answers_how_long_after():
    # eval q014 «بعد كم شهر من صدور مذكرة الاعتقال…» asks for the relative length itself
    q = "بعد كم شهر من صدور مذكرة الاعتقال قام بوتين بأول زيارة خارج روسيا؟"
    assert asks_relative(q) and not asks_relative("كم دام لقاء بوتين مع كيم جونغ أون؟")
    assert has_duration("بعد ستة أشهر من صدور مذكرة الاعتقال", relative=asks_relative(q))
    assert analyse_query("كم استمر اللقاء؟").duration


def test_where_next_moves_past_the_earlier_place():
    # C2 «وبعدها إلى أين سيسافر؟» after «متى وصل بوتين إلى قرغيزستان؟» was answered with the Kyrgyzstan visit
    one = analyse_query("بعد قرغيزستان إلى أين سيسافر بوتين؟")
    assert [GROUPS[g][0] for g in moved_past(one)] == ["قرغيزستان"]
    follow = analyse_query("وبعدها إلى أين سيسافر؟ — بوتين، قرغيزستان", asked="وبعدها إلى أين سيسافر؟")
    assert [GROUPS[g][0] for g in moved_past(follow)] == ["قرغيزستان"]
    for q in (one, follow):
        past = moved_past(q)
        assert no_new_destination(q, "قام الرئيس بوتين بزيارة إلى دولة قرغيزستان المجاورة لروسيا", past)
        assert no_new_destination(q, "وقد غادر إلى الخارج آخر مرة حين زار دولتي قرغيزستان وبيلاروسيا", past)
        assert not no_new_destination(
            q, "ومن المتوقع أن يسافر الرئيس الروسي إلى الصين الأسبوع المقبل بعد زيارة تستغرق يومين إلى بيشكيك", past)


def test_where_without_next_moves_past_nothing():
    assert not moved_past(analyse_query("إلى أين سيسافر بوتين الأسبوع المقبل؟"))
    assert not moved_past(analyse_query("متى وصل بوتين إلى قرغيزستان؟"))


def test_title_of_an_organisation_needs_that_title():
    from rag.statements import other_title, title_asked

    # U4 «من هو رئيس المحكمة الجنائية الدولية…» was answered with «وصل الرئيس الروسي… أصدرت المحكمة…»
    org = title_asked("من هو رئيس المحكمة الجنائية الدولية الذي وقّع مذكرة التوقيف؟")
    assert org
    assert other_title(org, "وصل الرئيس الروسي فلاديمير بوتين إلى قيرغيزستان "
                            "منذ أن أصدرت المحكمة الجنائية الدولية مذكرة")
    assert not other_title(org, "وقال رئيس المحكمة الجنائية الدولية القاضي فلان إن المذكرة صدرت")
    foreign = title_asked("من هو وزير الخارجية الروسي الذي ذهب إلى قمة البريكس؟")
    assert not other_title(foreign, "حيث أرسلت وزير الخارجية سيرغي لافروف بدلاً من بوتين إلى قمة البريكس")
    # A state's leader is rag/nations.py's: «رئيس كازاخستان… وأوزباكستان شوكت…» (eval q047)
    assert not title_asked("من هو رئيس أوزبكستان الذي يشارك في قمة رابطة الدول المستقلة؟")
    assert not title_asked("من هو رئيس وزراء الهند الذي أبلغه بوتين بعدم حضوره؟")


def test_english_why_needs_a_cause_not_the_warrant_s():
    from types import SimpleNamespace as N

    from rag.abstain import _with_reason
    from rag.statements import states_cause

    q = "Why is Putin not at risk of arrest in Kyrgyzstan?"
    arrived = ("وصل الرئيس الروسي فلاديمير بوتين إلى قيرغيزستان منذ أن أصدرت المحكمة الجنائية الدولية "
               "مذكرة اعتقال بحقه بتهمة ارتكاب جرائم حرب")
    visits = ("يزور الرئيس الروسي فلاديمير بوتين قرغيزستان، الأسبوع المقبل، منذ أن أصدرت المحكمة مذكرة توقيف بحقه، "
              "في مارس/آذار 2023، على خلفية الترحيل غير القانوني لأطفال أوكرانيين")
    because = "ليس معرضاً لخطر التوقيف خلال هذه الرحلة إذ إن قرغيزستان ليست دولة موقعة على نظام روما"
    # A15: the sentences shown gave the warrant's cause, none the asked one
    assert not states_cause(q, arrived) and not states_cause(q, visits) and states_cause(q, because)
    assert states_cause("Why did the ICC issue an arrest warrant for Putin?", arrived)
    query = analyse_query(q)
    cands = [N(text=t, score=1.0) for t in (arrived, visits)]
    assert _with_reason(query, cands) == []
    assert [c.text for c in _with_reason(query, cands + [N(text=because, score=0.5)])] == [because]
    # a purpose is a cause (eval q157)
    assert states_cause("Why did Russia use its veto?", "استخدمت روسيا الفيتو في مجلس الأمن لوضع حد لمراقبة الانتهاكات")


def test_why_needs_the_asked_event_stated():
    from rag.statements import event_stated

    # U1 «لماذا اعتقلت كازاخستان بوتين؟» (false premise) was answered with a list naming Kazakhstan
    assert not event_stated("لماذا اعتقلت كازاخستان بوتين؟",
                            "ومنذ إصدار أمر الاعتقال، لم يغادر بوتين إلا إلى دول ليست أطرافا في المحكمة مثل كازاخستان")
    # synonyms and nouns of the verb state it (eval q022, q027); copulas and dialect are not checked (q023, q059)
    assert event_stated("لماذا تغيب بوتين عن قمة بريكس؟", "ولهذا السبب، لم يحضر بوتين قمة مجموعة البريكس")
    assert event_stated("لماذا غضبت موسكو من البرلمان الأرميني؟", "وافق البرلمان على خطوة ما أثار غضب موسكو")
    assert event_stated("لماذا لم يكن بوتين معرضاً لخطر التوقيف؟", "ليس معرضاً لخطر التوقيف إذ إن قرغيزستان")
    assert event_stated("ليش ما راح بوتين على قمة بريكس؟", "ولهذا السبب، لم يحضر بوتين قمة مجموعة البريكس")


def test_outcome_needs_a_result():
    from rag.kinds import asks_outcome, has_outcome

    # U3 «ما نتيجة قمة بريكس…» was answered with «ولم يحضر بوتين قمة بريكس…»
    assert asks_outcome("ما نتيجة قمة بريكس التي عقدت في جنوب أفريقيا؟")
    assert asks_outcome("What was the outcome of the talks?") and not asks_outcome("ما القمة التي غاب عنها بوتين؟")
    assert not has_outcome("ولم يحضر بوتين قمة بريكس التي استضافتها جنوب أفريقيا، العضو في المحكمة الجنائية الدولية")
    assert has_outcome("تبادل الرجلان الثناء، لكنهما لم يعلنا رسميا التوصل إلى اتفاق")


def test_passive_speech_asks_no_words():
    from rag.roles import asked_of, unspoken

    # C3b "Which summit was he told about? — Modi, Putin" was refused: Modi heard it, he did not say it
    heard = asked_of("Which summit was he told about? — Modi, Putin", None)
    assert not heard.speech
    assert not unspoken(heard, "كما أبلغ الرئيس الروسي، رئيس وزراء الهند ناريندرا مودي، أنه لن يحضر قمة مجموعة العشرين")
    assert asked_of("What did Putin tell Modi?", None).speech
