"""Every string the chat shows, in Arabic and English, keyed.

The page's language is the browser's: Gradio translates the component labels
(``gr.I18n`` built from ``MESSAGES``) and its own widgets (upload area, toasts)
by the browser's locale; the HTML the server renders (answers, sources, the
Articles tab) uses the same choice, read from the request's Accept-Language.
Arabic when the browser prefers Arabic or says nothing (API clients), English
otherwise, as Gradio does for its own widgets.  No Gradio import here.
"""

from __future__ import annotations

from index.load import Skip
from rag.models import BUNDLED_LLM
from rag.notices import Code
from rag.plural import count

LANGS = ("ar", "en")

_AR: dict[str, str] = {
    # page
    "title": "اسأل المقالات",
    "brand": '<div class="rag-brand"><h1>اسأل المقالات</h1>'
             "<p>إجابات من مقالاتك المحلية، كل جملة فيها تشير إلى مقطع يمكنك قراءته — دون إنترنت.</p></div>",
    "tab_chat": "المحادثة",
    "tab_articles": "المقالات",
    "placeholder": '<div class="rag-placeholder">اسأل عن الأخبار الموجودة في مقالاتك.<br>'
                   "وتظهر المقاطع التي تستند إليها الإجابة تحت عنوان «المصادر».</div>",
    "placeholder_phone": "",
    "try": '<div class="rag-examples-label">جرّب:</div>',
    "question_ph": "اكتب سؤالك بالعربية أو الإنجليزية…",
    "question_label": "سؤالك",
    "chat_label": "المحادثة",
    "send": "إرسال",
    "new_chat": "محادثة جديدة",
    "settings": "الإعدادات",
    "k": "عدد المقاطع المسترجعة",
    "mode": "طريقة الإجابة",
    "mode_auto": "تلقائي (حسب النموذج)",
    "mode_generative": "توليدي (نموذج لغوي)",
    "mode_extractive": "استخراجي (جمل من المقالات)",
    "mode_info": "تلقائي: يولّد النموذج الإجابة إن كان نموذج تعليمات أو خادماً؛ أما النموذج المدمج فنموذج أساسي "
                 "لا يتبع التعليمات، فتُعرض جمل المقالات نفسها بعد التحقق.",
    "model": "النموذج اللغوي",
    "model_bundled": f"{BUNDLED_LLM} (مدمج)",
    "upload_help": "**إضافة مقالات** — ملفات {types} حتى {mb} ميغابايت للملف. تُحفظ في مجلد المقالات، "
                   "ثم أعد بناء الفهرس ليشملها البحث.",
    "files": "الملفات",
    "add": "أضف إلى المقالات",
    "rebuild": "إعادة بناء الفهرس",
    "login": "اسأل المقالات — أدخل اسم المستخدم وكلمة المرور",
    # toasts and messages from the handlers
    "empty_q_title": "السؤال فارغ",
    "empty_q": "اكتب سؤالاً عن المقالات أولاً.",
    "failed_title": "تعذّرت الإجابة",
    "llm_title": "النموذج اللغوي",
    "no_files_title": "لا ملفات",
    "no_files": "اختر ملفاً واحداً على الأقل.",
    "refused_title": "رُفض الملف",
    "added_tail": "أُضيفت الملفات إلى مجلد المقالات. اضغط «إعادة بناء الفهرس» ليشملها البحث.",
    "build_failed_title": "تعذّر بناء الفهرس",
    "built": "تم بناء الفهرس، والمحادثة تستخدمه الآن.",
    "build_full": "بناء كامل",
    "build_incremental": "بناء تزايدي",
    "build_counts": "{kind}: أُضيف {added}، حُدّث {updated}، حُذف {removed}، دون تغيير {unchanged}، متجاهَل {skipped}",
    "build_chunks": "في الفهرس {total}، حُسبت تضمينات {embedded} منها الآن ({s:.1f} ث)",
    "build_added": "أُضيف",
    "build_updated": "حُدّث",
    "build_removed": "حُذف",
    "build_skipped": "متجاهَل",
    "internal_error": "حدث خطأ داخلي أثناء الإجابة؛ سُجّلت التفاصيل في سجل الخادم. جرّب سؤالاً آخر أو أعد المحاولة.",
    "model_not_offered": "هذا النموذج غير متاح على هذا الخادم؛ اختر نموذجاً من القائمة في الإعدادات.",
    "or_rebuild": "أو افتح تبويب «المقالات» واضغط «إعادة بناء الفهرس».",
    "err_index_missing": "لا يوجد فهرس للمقالات بعد.",
    "err_index_corrupt": "ملفات الفهرس تالفة أو غير مكتملة؛ يلزم إعادة بنائه.",
    "err_index_mismatch": "بُني الفهرس بنموذج تضمين أو إصدار آخر؛ يلزم إعادة بنائه.",
    "err_model": "تعذّر استخدام النموذج اللغوي؛ سُجّلت التفاصيل في سجل الخادم.",
    "err_question": "تعذّر قراءة السؤال؛ اكتبه مرة أخرى.",
    "err_corpus": "مجلد المقالات غير موجود أو فارغ أو تتعذّر قراءته؛ سُجّلت التفاصيل في سجل الخادم.",
    "err_other": "تعذّرت الإجابة؛ سُجّلت التفاصيل في سجل الخادم. أعد المحاولة.",
    "queued": "سؤالك في قائمة الانتظار (الترتيب {pos})؛ {when}.",
    "queued_eta": "يبدأ بعد نحو {s} ث",
    "queued_next": "يبدأ عند انتهاء الإجابة الجارية",
    "queued_after": "يبدأ بعد انتهاء ما قبله: {n}",
    "in_queue": "في الانتظار:",
    "running": "قيد التنفيذ",
    "too_big_upload": "حجم الملف أكبر من الحد المسموح ({limit}): {names}",
    "queue_full": "الخادم مشغول: قائمة الانتظار ممتلئة. أعد المحاولة بعد قليل.",
    # build progress
    "stage_read": "قراءة المقالات",
    "stage_embed": "حساب التضمينات",
    "stage_write": "كتابة الفهرس",
    "stage_done": "تم",
    "chunks_count": "مقطع",
    # answers
    "unsupported": "غير مدعوم بالمقاطع",
    "abstain": "لا إجابة في المقالات",
    "abstain_hint": "أقرب المقاطع معروضة تحت عنوان «المصادر».",
    "source_n": "المصدر {n}",
    "source_n_title": "المصدر {n}: {title}",
    "checking": "يكتب النموذج جملة ويتحقق منها في المقالات قبل عرضها…",
    "searching": "يبحث في المقالات…",
    "searched_for": "بحثت عن:",
    "generative": "توليدي",
    "extractive": "استخراجي",
    "why_base_model": "النموذج المدمج نموذج أساسي لا يتبع التعليمات، فالإجابة جمل المقالات نفسها بعد التحقق",
    "why_llm_unavailable": "النموذج اللغوي غير متاح",
    "seconds": "{s:.1f} ث",
    # sources panel
    "sources": "المصادر",
    "no_passages": "لم يُعثر على مقاطع.",
    "closest": "{label} — هذه أقرب المقاطع التي وُجدت:",
    "cited_of": "المقاطع المستشهد بها: {n} من {total}",
    "uncited": "مقاطع أخرى مسترجعة لم يُستشهد بها ({n})",
    "rank": "المرتبة {n} في البحث",
    "score_fused": "الدرجة المدمجة {s:.3f}",
    "confidence": "ثقة الإجابة <bdi>{p}٪</bdi>",
    "confidence_tip": "احتمال أن تكون الإجابة صحيحة، كما قيس على مقالات لم يُضبط عليها النظام",
    "inferred": "إحالة مضافة آلياً",
    "inferred_tip": "أضاف المدقق هذه الإحالة",
    "context": "النص المحيط في المقال",
    "sources_empty": "اطرح سؤالاً لترى هنا المقاطع التي تستند إليها الإجابة، مع إبراز الجمل المستشهد بها.",
    # header
    "info_index": "الفهرس:",
    "info_llm": "النموذج اللغوي:",
    "info_no_index": "لا يوجد فهرس — ابنِه من تبويب «المقالات»",
    "info_counts": "{articles} · {chunks} · التضمين",
    "info_base": "(نموذج أساسي: الإجابات جمل من المقالات بعد التحقق، دون توليد)",
    # articles tab
    "st_indexed_articles": "المقالات المفهرسة",
    "st_chunks": "المقاطع",
    "st_built": "وقت البناء",
    "st_embedder": "نموذج التضمين",
    "st_index_type": "نوع الفهرس",
    "st_none": "لا يوجد فهرس بعد. اضغط «إعادة بناء الفهرس».",
    "st_stale": "الفهرس لا يطابق مجلد المقالات — {what}. اضغط «إعادة بناء الفهرس» ليتبع الفهرس هذه التغييرات.",
    "st_part_new": "أُضيف إلى المجلد: {n}",
    "st_part_changed": "تغيّر: {n}",
    "st_part_missing": "أُزيل من المجلد: {n}",
    "st_ok": "الفهرس محدّث.",
    "st_folder": "مجلد المقالات:",
    "art_ok": "مفهرس",
    "art_new": "جديد — غير مفهرس",
    "art_changed": "تغيّر منذ البناء",
    "art_missing": "حُذف من المجلد",
    "art_skipped": "متجاهَل",
    # uploads
    # no final stop: it drew «..docx» beside the last, left-to-right type
    "up_no_ext": "«{name}» بلا امتداد؛ الأنواع المقبولة: {types}",
    "up_bad_type": "«{name}»: نوع الملف {ext} غير مدعوم؛ الأنواع المقبولة: {types}",
    "up_too_big": "«{name}» حجمه {mb:.1f} ميغابايت؛ الحد {limit:.0f} ميغابايت للملف.",
    "up_refused": "رُفض «{name}»: {reason}.",
    "up_unsafe": "رُفض «{name}»: اسم ملف غير آمن.",
    "up_duplicate": "«{name}» موجود بالفعل في المقالات باسم «{other}»؛ لم يُضف مرة ثانية.",
    "up_saved": "حُفظ «{name}».",
    "up_saved_as": "حُفظ «{name}» باسم {final}.",
    "up_articles": " ({n})",
    "up_exists": "في المقالات ملف باسم «{name}» بنص آخر؛ لم يُحفظ هذا الملف. لاستبداله اختر «استبدل المقالة التي لها "
                 "الاسم نفسه» ثم أضفه مرة أخرى (تُنقل النسخة السابقة إلى مجلد ‎.removed‎ ولا تُحذف).",
    "up_replaced": "استُبدل «{name}»؛ النسخة السابقة محفوظة في {old}.",
    "up_replace": "استبدل المقالة التي لها الاسم نفسه (تُنقل النسخة السابقة إلى ‎.removed‎)",
    "rm_pick": "إزالة مقالة من المجلد",
    "rm_button": "أزل المقالة",
    "rm_info": "تُنقل إلى مجلد ‎.removed‎ داخل مجلد المقالات ولا تُحذف؛ أعدها منه متى شئت. ثم أعد بناء الفهرس.",
    "rm_none": "اختر مقالة أولاً.",
    "rm_done": "أُزيلت «{name}» من المجلد ونُقلت إلى {where}. اضغط «إعادة بناء الفهرس» ليحذفها الفهرس.",
    "rm_missing": "لا مقالة باسم «{name}» في المجلد.",
    "rm_failed": "تعذّرت إزالة «{name}»: {reason}.",
    "rm_title": "تعذّرت الإزالة",
    "unnamed": "بلا اسم",
    # saved conversations
    "conv_title_html": '<div class="rag-sources-title">المحادثات</div>',
    "conv_list": "المحادثات",
    "conv_search": "ابحث في المحادثات…",
    "conv_rename_hint": "عنوان المحادثة",
    "conv_rename": "إعادة التسمية",
    "conv_delete": "حذف المحادثة المحفوظة",
    "conv_confirm": "اضغط مرة أخرى لتأكيد الحذف",
    "conv_export_md": "تنزيل Markdown",
    "conv_export_json": "تنزيل JSON",
    "conv_empty": "لا محادثات محفوظة بعد. ستظهر هنا بعد أول سؤال.",
    "conv_no_match": "لا محادثات تطابق البحث.",
    "conv_untitled": "محادثة بلا عنوان",
    "conv_turns": "{n}",
    "conv_not_saved": "تعذّر حفظ المحادثة؛ الإجابة معروضة لكنها لن تبقى بعد إعادة التحميل.",
    "conv_not_loaded": "تعذّر فتح سجل المحادثات.",
    "conv_gone": "لم تعد هذه المحادثة موجودة (ربما حُذفت من نافذة أخرى).",
    "conv_renamed": "تغيّر عنوان المحادثة.",
    "conv_deleted": "حُذفت المحادثة.",
    "conv_nothing": "لا محادثة مفتوحة بعد: اطرح سؤالاً أولاً.",
    "conv_save_later": "قاعدة المحادثات مقفلة الآن من برنامج آخر؛ ستُحفظ الإجابة حين تتحرر، وقد تتأخر في القائمة.",
    "export_login": "سجّل الدخول أولاً لتنزيل محادثاتك.",
    "export_missing": "لا محادثة بهذا الرقم لهذا المستخدم.",
    "who_all": "يستطيع كل مستخدم رفع المقالات وإعادة بناء الفهرس، وما يغيّره يغيّر إجابات الجميع.",
    "who_admins": "رفع المقالات وإعادة بناء الفهرس للمشرفين فقط ({names})، لأنهما يغيّران إجابات كل المستخدمين.",
    "who_none": ("لا يرفع أحد المقالات ولا يعيد بناء الفهرس من الصفحة: للخادم عدة مستخدمين ولا مشرف مسمّى "
                 "(RAG_CHAT_ADMINS)؛ يفعل ذلك المشغّل بالأمر rag index build."),
    "who_you": "أنت منهم.",
    "who_not_you": "لست منهم: تقرأ المقالات ولا تغيّرها.",
    "not_admin": "لا يحق لهذا الحساب رفع المقالات أو إعادة بناء الفهرس: ذلك للمشرفين المسمّين في RAG_CHAT_ADMINS.",
    "not_admin_title": "غير مسموح",
    "conv_tools": "إدارة المحادثة",
    "conv_jump": "المحادثات ↓",
    "turn_pick": "مصادر إجابة سابقة",
    "turn_sources": "مصادر إجابة سابقة — السؤال {n}: {q}",
    "conv_back": "↑ العودة إلى المحادثة",
    "md_summary": "الأسئلة: {n}، بدأت {created}، آخر سؤال {updated}",
    "md_searched_for": "بحثت عن:",
    "md_note": "ملاحظة:",
    "md_sources": "المصادر",
    "md_closest": "أقرب المقاطع",
    # Gradio's own texts, by Gradio's translation keys (a flat "namespace.key" entry of gr.I18n wins over
    # Gradio's bundled translation in svelte-i18n's lookup): its Arabic writes «إستخدام», a hamza mistake.
    "errors.use_via_api": "استخدام عبر API",
    "errors.use_via_api_or_mcp": "استخدام عبر واجهة برمجة التطبيقات API أو خادم MCP",
    # Gradio's screen-reader live region says t("common.complete") after each event: a key none of its
    # languages has (the page announced «common.complete»).
    "common.complete": "اكتمل",
    # the upload box's icons, once a file is chosen: «common.upload» (no translation anywhere) and «أمسح» (a hamza
    # mistake; the key also labels other widgets' clear buttons: a general word)
    "common.upload": "رفع ملفات أخرى",
    "common.clear": "مسح",
    # the chat's trash icon only clears the screen for a new chat (the saved conversation stays);
    # Gradio's «مسح المحادثة» read like «حذف المحادثة», which deletes the saved one
    "chatbot.clear": "محادثة جديدة (تبقى المحادثة الحالية محفوظة)",
    # Gradio's screen-reader labels (aria-label, title) have no translation key: ui/style.py's JS swaps
    # each English label (the "en" value, Gradio's text verbatim) for the Arabic one on Arabic pages.
    "a11y_user_msg": "رسالة المستخدم",
    "a11y_bot_msg": "رسالة المساعد",
    "a11y_chat": "المحادثة",
    "a11y_loading_response": "جارٍ تحضير الإجابة",
    "a11y_loading_content": "جارٍ التحميل",
    "a11y_scroll_down": "انتقل إلى آخر المحادثة",
    "a11y_more_tabs": "تبويبات أخرى",
    "a11y_footer": "روابط أسفل الصفحة",
    "a11y_reset": "إعادة القيمة الافتراضية",
    "a11y_drop": "انقر لرفع ملفات أو أفلتها هنا",
    "a11y_file_upload": "رفع ملفات",
    "a11y_range_for": "شريط تمرير: ",
    "a11y_number_for": "حقل رقمي: ",
    # a source's score tooltip (BM25 is the ranking function's name)
    "score_dense": "تشابه المعنى {s:.3f}",
    "score_bm25": "BM25 {s:.2f}",
}

_EN: dict[str, str] = {
    "title": "Ask the articles",
    "brand": '<div class="rag-brand"><h1>Ask the articles</h1>'
             "<p>Answers from your local articles; every sentence points to a passage you can read. Offline.</p></div>",
    "tab_chat": "Chat",
    "tab_articles": "Articles",
    "placeholder": '<div class="rag-placeholder">Ask about the news in your articles.<br>'
                   "The passages the answer rests on appear under “Sources”.</div>",
    "placeholder_phone": "",
    "try": '<div class="rag-examples-label">Try:</div>',
    "question_ph": "Type your question in Arabic or English…",
    "question_label": "Your question",
    "chat_label": "Chat",
    "send": "Send",
    "new_chat": "New chat",
    "settings": "Settings",
    "k": "Passages to retrieve",
    "mode": "How to answer",
    "mode_auto": "Automatic (by model)",
    "mode_generative": "Generative (language model)",
    "mode_extractive": "Extractive (sentences from the articles)",
    "mode_info": "Automatic: an instruct model or a server writes the answer; the bundled model is a base model that "
                 "does not follow instructions, so the articles' own sentences are shown after checking.",
    "model": "Language model",
    "model_bundled": f"{BUNDLED_LLM} (bundled)",
    "upload_help": "**Add articles**: {types} files up to {mb} MB each. They are saved in the articles folder; "
                   "then rebuild the index so search includes them.",
    "files": "Files",
    "add": "Add to the articles",
    "rebuild": "Rebuild the index",
    "login": "Ask the articles: enter your user name and password",
    "empty_q_title": "Empty question",
    "empty_q": "Type a question about the articles first.",
    "failed_title": "Could not answer",
    "llm_title": "Language model",
    "no_files_title": "No files",
    "no_files": "Choose at least one file.",
    "refused_title": "File refused",
    "added_tail": "The files were added to the articles folder. Press “Rebuild the index” so search includes them.",
    "build_failed_title": "Could not build the index",
    "built": "The index was built and the chat uses it now.",
    "build_full": "full build",
    "build_incremental": "incremental build",
    "build_counts": ("{kind}: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged, "
                     "{skipped} skipped"),
    "build_chunks": "{total} in the index, {embedded} embedded now ({s:.1f} s)",
    "build_added": "added",
    "build_updated": "updated",
    "build_removed": "removed",
    "build_skipped": "skipped",
    "internal_error": "An internal error occurred while answering; the details are in the server log. "
                      "Try another question or try again.",
    "model_not_offered": "This model is not available on this server; choose one from the list in Settings.",
    "or_rebuild": "Or open the Articles tab and press “Rebuild the index”.",
    "err_index_missing": "There is no index of the articles yet.",
    "err_index_corrupt": "The index files are damaged or incomplete; the index must be rebuilt.",
    "err_index_mismatch": "The index was built with another embedder or version; the index must be rebuilt.",
    "err_model": "The language model could not be used; the details are in the server log.",
    "err_question": "The question could not be read; type it again.",
    "err_corpus": "The articles folder is missing, empty or unreadable; the details are in the server log.",
    "err_other": "No answer could be given; the details are in the server log. Try again.",
    "queued": "Your question is queued (position {pos}); {when}.",
    "queued_eta": "it starts in about {s} s",
    "queued_next": "it starts when the current answer ends",
    "queued_after": "it starts after the {n} before it",
    "in_queue": "queue:",
    "running": "processing",
    "too_big_upload": "The file is larger than the limit ({limit}): {names}",
    "queue_full": "The server is busy: the queue is full. Try again in a moment.",
    "stage_read": "Reading the articles",
    "stage_embed": "Embedding",
    "stage_write": "Writing the index",
    "stage_done": "Done",
    "chunks_count": "chunks",
    "unsupported": "not supported by the passages",
    "abstain": "Not in the articles",
    "abstain_hint": "The closest passages are under Sources.",
    "source_n": "Source {n}",
    "source_n_title": "Source {n}: {title}",
    "checking": "The model is writing a sentence; it is checked against the articles before it is shown…",
    "searching": "Searching the articles…",
    "searched_for": "Searched for:",
    "generative": "generative",
    "extractive": "extractive",
    "why_base_model": "the bundled model is a base model that does not follow instructions, so the answer is the "
                      "articles' own sentences after checking",
    "why_llm_unavailable": "the language model is not available",
    "seconds": "{s:.1f} s",
    "sources": "Sources",
    "no_passages": "No passages found.",
    "closest": "{label}: these are the closest passages found:",
    "cited_of": "{n} of {total} cited",
    "uncited": "Other retrieved passages, not cited ({n})",
    "rank": "search rank {n}",
    "score_fused": "fused score {s:.3f}",
    "confidence": "answer confidence <bdi>{p} %</bdi>",
    "confidence_tip": "The chance that the answer is right, as measured on articles the system was not tuned on",
    "inferred": "citation added by the checker",
    "inferred_tip": "The checker attached this citation",
    "context": "Surrounding text in the article",
    "sources_empty": "Ask a question to see here the passages the answer rests on, with the cited sentences "
                     "highlighted.",
    "info_index": "Index:",
    "info_llm": "Language model:",
    "info_no_index": "No index: build it from the Articles tab",
    "info_counts": "{articles} · {chunks} · embedder",
    "info_base": "(base model: answers are checked sentences from the articles, not generated)",
    "st_indexed_articles": "Indexed articles",
    "st_chunks": "Chunks",
    "st_built": "Built",
    "st_embedder": "Embedder",
    "st_index_type": "Index type",
    "st_none": "No index yet. Press “Rebuild the index”.",
    "st_stale": ("The index does not match the articles folder ({what}): "
                 "press “Rebuild the index” so it follows these changes."),
    "st_part_new": "added to the folder: {n}",
    "st_part_changed": "changed: {n}",
    "st_part_missing": "removed from the folder: {n}",
    "st_ok": "The index is up to date.",
    "st_folder": "Articles folder:",
    "art_ok": "indexed",
    "art_new": "new, not indexed",
    "art_changed": "changed since the build",
    "art_missing": "removed from the folder",
    "art_skipped": "skipped",
    "up_no_ext": "“{name}” has no extension; accepted types: {types}.",
    "up_bad_type": "“{name}”: file type {ext} is not supported; accepted types: {types}.",
    "up_too_big": "“{name}” is {mb:.1f} MB; the limit is {limit:.0f} MB per file.",
    "up_refused": "“{name}” was refused: {reason}.",
    "up_unsafe": "“{name}” was refused: unsafe file name.",
    "up_duplicate": "“{name}” is already in the articles as “{other}”; not added again.",
    "up_saved": "Saved “{name}”.",
    "up_saved_as": "Saved “{name}” as {final}.",
    "up_articles": " ({n})",
    "up_exists": "The articles already have a file named “{name}” with other text; this file was not saved. To replace "
                 "it, tick “Replace the article of the same name” and add it again (the previous version is moved "
                 "to the .removed folder, not deleted).",
    "up_replaced": "Replaced “{name}”; the previous version is kept in {old}.",
    "up_replace": "Replace the article of the same name (the previous version is moved to .removed)",
    "rm_pick": "Remove an article from the folder",
    "rm_button": "Remove the article",
    "rm_info": "It is moved to the .removed folder inside the articles folder, not deleted; move it back any time. "
               "Then rebuild the index.",
    "rm_none": "Choose an article first.",
    "rm_done": "Removed “{name}” from the folder; it is in {where}. Press “Rebuild the index” so the index drops it.",
    "rm_missing": "There is no article named “{name}” in the folder.",
    "rm_failed": "“{name}” could not be removed: {reason}.",
    "rm_title": "Could not remove",
    "unnamed": "unnamed",
    "conv_title_html": '<div class="rag-sources-title">Conversations</div>',
    "conv_list": "Conversations",
    "conv_search": "Search the conversations…",
    "conv_rename_hint": "Conversation title",
    "conv_rename": "Rename",
    "conv_delete": "Delete the saved conversation",
    "conv_confirm": "Click again to confirm",
    "conv_export_md": "Download Markdown",
    "conv_export_json": "Download JSON",
    "conv_empty": "No saved conversations yet. They appear here after the first question.",
    "conv_no_match": "No conversation matches the search.",
    "conv_untitled": "Untitled conversation",
    "conv_turns": "{n}",
    "conv_not_saved": "The conversation could not be saved; the answer is shown but will not survive a reload.",
    "conv_not_loaded": "The conversation history could not be opened.",
    "conv_gone": "This conversation no longer exists (perhaps deleted in another window).",
    "conv_renamed": "The conversation was renamed.",
    "conv_deleted": "The conversation was deleted.",
    "conv_nothing": "No conversation is open yet: ask a question first.",
    "conv_save_later": ("The conversation database is locked by another program; "
                        "the answer is saved once it is free and may appear in the list later."),
    "export_login": "Log in first to download your conversations.",
    "export_missing": "No conversation with this id for this user.",
    "who_all": "Every user may upload articles and rebuild the index, and what they change changes everyone's answers.",
    "who_admins": ("Only the admins ({names}) may upload articles and rebuild the index: "
                   "both change every user's answers."),
    "who_none": ("Nobody may upload articles or rebuild the index from the page: the server has several users "
                 "and no admin named (RAG_CHAT_ADMINS); the operator runs rag index build."),
    "who_you": "You are one of them.",
    "who_not_you": "You are not: you read the articles but do not change them.",
    "not_admin": ("This account may not upload articles or rebuild the index: "
                  "that is for the admins named in RAG_CHAT_ADMINS."),
    "not_admin_title": "Not allowed",
    "conv_tools": "Manage the conversation",
    "conv_jump": "Conversations ↓",
    "turn_pick": "An earlier answer's sources",
    "turn_sources": "Sources of an earlier answer: question {n}, {q}",
    "conv_back": "↑ Back to the chat",
    "md_summary": "{n} question(s), started {created}, last {updated}",
    "md_searched_for": "searched for:",
    "md_note": "note:",
    "md_sources": "Sources",
    "md_closest": "Closest passages",
    "errors.use_via_api": "Use via API",
    "errors.use_via_api_or_mcp": "Use via API or MCP",
    "common.complete": "Complete",
    "common.upload": "Upload more files",
    "common.clear": "Clear",
    "chatbot.clear": "New chat (the current one stays saved)",
    # Gradio's own English labels, verbatim: the JS matches them (English pages keep them as they are)
    "a11y_user_msg": "user's message",
    "a11y_bot_msg": "bot's message",
    "a11y_chat": "chatbot conversation",
    "a11y_loading_response": "Loading response",
    "a11y_loading_content": "Loading content",
    "a11y_scroll_down": "Scroll down",
    "a11y_more_tabs": "More tabs",
    "a11y_footer": "Gradio footer navigation",
    "a11y_reset": "Reset to default value",
    "a11y_drop": "Click to upload or drop files",
    "a11y_file_upload": "File upload",
    "a11y_range_for": "range slider for ",
    "a11y_number_for": "number input for ",
    "score_dense": "dense {s:.3f}",
    "score_bm25": "bm25 {s:.2f}",
}

_NOTICE_AR = {
    Code.QUESTION_TRUNCATED: "السؤال طويل ({n})؛ استُخدم أوله وآخره ({total}) وحُذف ما بينهما.",
    Code.QUESTION_BAD_CHARS: "حُذف من السؤال ما ليس بترميز UTF-8: {n}.",
    Code.OTHER_LANGUAGE: "تعمل الأسئلة بالعربية أو الإنجليزية على أفضل وجه؛ الإجابة بالعربية.",
    Code.LLM_UNAVAILABLE: "النموذج اللغوي غير متاح؛ عُرضت جمل مستخرجة من المقالات بدلاً منه.",
    Code.LLM_FAILED: "تعذّر على النموذج اللغوي الإجابة؛ عُرضت جمل مستخرجة من المقالات بدلاً منه.",
    Code.PASSAGES_TRIMMED: "اتسع سياق النموذج لبعض المقاطع فقط: {n} من {total}.",
    Code.CITATIONS_DROPPED: "حُذف من الإحالات ما لا يشير إلى أي مقطع معروض: {n}.",
    Code.SENTENCES_REJECTED: "حُجب من إجابة النموذج ما لم تدعمه المقاطع أو لم يُجب عن السؤال: {n}.",
    Code.MODEL_UNSUPPORTED: "لم تجتز أي جملة كتبها النموذج التحقق؛ عُرضت أفضل جمل المقاطع بدلاً منها.",
    Code.MODEL_EMPTY: "لم يكتب النموذج أي نص؛ عُرضت أفضل جمل المقاطع.",
    Code.ARTICLES_DISAGREE: "المقالات لا تتفق في هذا: المقطعان [{n}] و[{total}] يقولان أمرين متعاكسين.",
}

_SKIP_AR = {
    Skip.EMPTY: "الملف فارغ",
    Skip.BINARY: "ملف ثنائي وليس نصاً",
    Skip.NOT_UTF8: "ليس بترميز UTF-8؛ احفظه بترميز UTF-8 ثم ارفعه مجدداً",
    Skip.NO_TEXT: "لم يبقَ فيه نص مقال بعد حذف الإعلانات والروابط",
    Skip.UNSUPPORTED: "نوع ملف غير مدعوم",
    Skip.TOO_LARGE: "الملف أكبر من الحد المسموح",
    Skip.BAD_JSON: "سطر JSON غير صالح",
    Skip.NOT_OBJECT: "سطر JSON ليس كائناً",
    Skip.NO_TEXT_FIELD: "سطر JSON بلا حقل text",
    Skip.DUPLICATE_ID: "معرّف مكرر في ملف JSONL",
    Skip.TOO_DEEP: "سطر JSON متداخل إلى عمق مفرط",
    Skip.UNREADABLE: "تعذّرت قراءة الملف",
    Skip.BROKEN_LINK: "رابط مكسور",
    Skip.NOT_REGULAR: "ليس ملفاً عادياً",
    Skip.OUTSIDE_LINK: "رابط إلى ملف خارج مجلد المقالات (تجاهلناه؛ استخدم ‎--follow-links‎ لفهرسته)",
    Skip.OUTSIDE_FOLDER_LINK: "رابط إلى مجلد خارج مجلد المقالات (تجاهلناه؛ استخدم ‎--follow-links‎ لفهرسة ملفاته)",
    Skip.NO_TEXT_LAYER: "ملف PDF ممسوح ضوئياً: صفحاته صور بلا طبقة نص؛ حوّله إلى نص بالتعرّف الضوئي (OCR) ثم ارفعه",
    Skip.ENCRYPTED: "الملف محمي بكلمة مرور؛ احفظ نسخة بلا كلمة مرور ثم ارفعها",
    Skip.DAMAGED: "الملف تالف أو مقطوع",
    Skip.TOO_MANY_PAGES: "عدد صفحاته كبير جداً؛ قسّمه إلى ملفات أصغر",
    Skip.TOO_COMPLEX: "الملف معقّد إلى حد لا تمكن قراءته بأمان",
}

MESSAGES = {"ar": _AR, "en": _EN}


def t(lang: str, key: str, **kw) -> str:
    """The string ``key`` in ``lang`` (Arabic when unknown), formatted.

    >>> t('en', 'cited_of', n=2, total='5 passages'), t('ar', 'source_n', n=3), t('fr', 'send')
    ('2 of 5 passages cited', 'المصدر 3', 'إرسال')
    """
    table = MESSAGES.get(lang, _AR)
    text = table.get(key, _AR[key])
    return text.format(**kw) if kw else text


def language(accept_language: str | None) -> str:
    """The page's language from an Accept-Language header: Arabic when the
    browser's first choice is Arabic or it sent none (API clients), else
    English, as Gradio chooses for its own widgets.

    >>> language('ar-EG,ar;q=0.9,en;q=0.8'), language('en-US,en;q=0.9,ar;q=0.8'), language(None), language('fr')
    ('ar', 'en', 'ar', 'en')
    """
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    return "ar" if not first or first == "*" or first.startswith("ar") else "en"


def lang_of(request) -> str:
    """The language of a Gradio request (None: Arabic)."""
    headers = getattr(request, "headers", None)
    return language(headers.get("accept-language") if headers is not None else None)


def notice_text(lang: str, notice) -> str:
    """A library notice in the reader's language (English is the library's own),
    its counts in the form the language's plural rules ask for.

    >>> from rag.notices import Notice
    >>> notice_text('ar', Notice(Code.CITATIONS_DROPPED, 2)), notice_text('ar', Notice(Code.PASSAGES_TRIMMED, 3, 12))
    ('حُذف من الإحالات ما لا يشير إلى أي مقطع معروض: إحالتان.', 'اتسع سياق النموذج لبعض المقاطع فقط: 3 من 12 مقطعاً.')
    """
    if lang == "en":
        return notice.english(with_detail=False)  # the detail is shown beside the notice, not inside it
    n_noun, total_noun = _NOTICE_NOUNS.get(notice.code, (None, None))
    n = count(lang, notice.count, n_noun) if n_noun else notice.count
    total = count(lang, notice.total, total_noun) if total_noun else notice.total
    return _NOTICE_AR[notice.code].format(n=n, total=total)


_NOTICE_NOUNS = {Code.QUESTION_TRUNCATED: ("char", "char"), Code.QUESTION_BAD_CHARS: ("char", None),
                 Code.PASSAGES_TRIMMED: (None, "passage"), Code.CITATIONS_DROPPED: ("citation", None),
                 Code.SENTENCES_REJECTED: ("sentence", None)}


def stale_text(lang: str, new: int, changed: int, missing: int) -> str:
    """What changed in the folder since the build, each count in its plural form.

    >>> stale_text('en', 0, 1, 2)
    'The index does not match the articles folder (changed: 1 article; removed from the folder: 2 articles): press “Rebuild the index” so it follows these changes.'
    """  # noqa: E501 - a doctest's output line cannot be wrapped
    parts = [t(lang, f"st_part_{k}", n=count(lang, v, "article"))
             for k, v in (("new", new), ("changed", changed), ("missing", missing)) if v]
    return t(lang, "st_stale", what=("؛ " if lang == "ar" else "; ").join(parts))


def build_summary(lang: str, report) -> list[str]:
    """A build's report (index.build.BuildReport) as lines in the reader's language."""
    lines = [t(lang, "build_counts", kind=t(lang, "build_full" if report.full else "build_incremental"),
               added=len(report.added), updated=len(report.updated), removed=len(report.removed),
               unchanged=report.unchanged, skipped=len(report.skipped)),
             t(lang, "build_chunks", total=count(lang, report.chunks_total, "chunk"), embedded=report.chunks_embedded,
               s=sum(report.timings.values()))]
    for key, items in (("build_added", report.added), ("build_updated", report.updated),
                       ("build_removed", report.removed)):
        lines += [f"{t(lang, key)}: \u2066{a}\u2069" for a in items]
    lines += [f"{t(lang, 'build_skipped')}: \u2066{s.source}\u2069: {skip_text(lang, s.code, s.detail)}"
              for s in report.skipped]
    return lines


def skip_text(lang: str, code: Skip, detail: str = "") -> str:
    """Why a file was skipped, in the reader's language.

    >>> skip_text('ar', Skip.BINARY), skip_text('en', Skip.BINARY)
    ('ملف ثنائي وليس نصاً', 'binary file (contains NUL bytes)')
    """
    if lang == "en":
        from index.load import Skipped

        return Skipped("", code, detail).reason
    return _SKIP_AR.get(code, str(code))
