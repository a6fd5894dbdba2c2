"""LA501 cache-busting-prefix, LA502 uncached-repeated-context, LA503 call-in-loop on small apps.

The apps are written the way support/knowledge-base code is: a long policy prompt in its own
module, imported by the module that calls the model, clients built at module level or in
``__init__``, helpers called from loops in other modules.
"""

from __future__ import annotations

import textwrap

from conftest import cli, codes

from auditor.fix.edits import parses

_CLAUSES = [
    "Refunds are issued to the original payment method within five business days after the returned item is inspected at our warehouse.",
    "A customer may return an unused product within thirty days of delivery; opened consumables such as filters and descaling tablets cannot be returned.",
    "Warranty claims need the order number and a photo or short video of the fault; never ask for card numbers, passwords or one-time codes.",
    "If a parcel is marked as delivered but the customer has not received it, ask them to check with neighbours and wait one business day before opening a carrier claim.",
    "Replacement parts such as blades, lids, gaskets and carafes ship free of charge during the warranty period and at list price afterwards.",
    "Escalate to a human agent when the customer mentions injury, fire, smoke, electric shock, a legal threat, or a chargeback.",
    "Do not promise delivery dates for back-ordered items; give the expected restock week from the catalogue and offer to notify the customer.",
    "Goodwill credits above twenty dollars need approval from a team lead: describe the case in the internal note and do not mention an amount.",
    "Answer in the customer's language when it is English, Spanish, French or German; otherwise answer in English and say that a translator can help.",
    "Keep replies under two hundred words, use the customer's first name once, and end with the standard sign-off from the Brightleaf support team.",
]


def policy_module(name: str = "REFUND_POLICY", repeats: int = 9) -> str:
    """A prompt module holding a ~3,000-token support policy as one literal."""
    lines = []
    n = 0
    for r in range(repeats):
        lines.append(f"\n## Section {r + 1}\n")
        for clause in _CLAUSES:
            n += 1
            lines.append(f"{n}. {clause}")
    body = "\n".join(lines)
    return f'"""Support policy text, owned by Customer Care Operations."""\n\n{name} = """You are the Brightleaf support assistant.\n{body}\n"""\n'


def _kb_app(call_body: str, imports: str = "import anthropic\n\nfrom kb.policies import REFUND_POLICY\n", extra: dict | None = None) -> dict:
    files = {
        "kb/__init__.py": "",
        "kb/policies.py": policy_module(),
        "kb/replies.py": imports + textwrap.dedent(call_body),
    }
    files.update(extra or {})
    return files


CLAUDE_LOOP = """
client = anthropic.Anthropic()


def draft_replies(tickets: list[str]) -> list[str]:
    replies = []
    for ticket in tickets:
        msg = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=600,
            system=REFUND_POLICY,
            messages=[{"role": "user", "content": ticket}],
        )
        replies.append(msg.content[0].text)
    return replies
"""


def _by_code(result, code: str):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA502 + LA503 on a Claude loop
def test_claude_loop_resending_imported_policy_reports_la502_and_la503(project):
    result = project(_kb_app(CLAUDE_LOOP), select=["LA501", "LA502", "LA503"])
    assert sorted(codes(result)) == ["LA502", "LA503"]
    la502 = _by_code(result, "LA502")[0]
    assert la502.path == "kb/replies.py" and la502.line == 11
    assert la502.call_site_id == "kb/replies.py::draft_replies#1"
    # the count is real: ~3,000 static tokens (o200k x the Anthropic factor), over the 1,024 minimum
    tokens = int(la502.message.split(" tokens")[0].replace(",", ""))
    assert 2500 < tokens < 4000, la502.message
    assert "REFUND_POLICY" in la502.message and "loop" in la502.message
    assert la502.fix is not None and la502.fix.applicability == "unsafe"
    assert la502.savings is not None and la502.savings.usd_per_month > 0
    assert "$" not in la502.message  # the dollar figure is the savings line's, after the site's other findings
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 write; 90% hit rate; 10,000 calls/month
    expected = tokens * ((3.0 - 0.3) * 0.9 - (3.75 - 3.0) * 0.1) / 1e6 * 10_000
    assert abs(la502.savings.usd_per_month - expected) < 0.01
    la503 = _by_code(result, "LA503")[0]
    assert la503.line == 11 and "Message Batches API" in la503.message and "tickets" in la503.message
    assert la503.savings is not None and la503.savings.usd_per_month > 0


def test_unsafe_fix_adds_cache_control_and_the_finding_goes_away(project):
    project(_kb_app(CLAUDE_LOOP), select=["LA502"])
    root = project.root
    done = cli("fix", "--unsafe-fixes", "--select", "LA502", "--no-cache", ".", cwd=root)
    assert done.returncode == 0, done.stderr
    text = (root / "kb/replies.py").read_text()
    assert parses(text) is None
    assert 'system=[{"type": "text", "text": REFUND_POLICY, "cache_control": {"type": "ephemeral"}}],' in text
    # nothing else changed
    assert text.replace('[{"type": "text", "text": REFUND_POLICY, "cache_control": {"type": "ephemeral"}}]', "REFUND_POLICY") == (
        "import anthropic\n\nfrom kb.policies import REFUND_POLICY\n" + textwrap.dedent(CLAUDE_LOOP)
    )
    again = cli("check", "--select", "LA502", "--no-cache", ".", cwd=root)
    assert again.returncode == 0 and "LA502" not in again.stdout, again.stdout


def test_client_in_init_and_helper_called_in_a_loop_from_another_module(project):
    files = _kb_app(
        """
        class SupportBot:
            def __init__(self) -> None:
                self.llm = anthropic.Anthropic(timeout=30)

            def answer(self, question: str) -> str:
                msg = self.llm.messages.create(
                    model="claude-sonnet-4-5",
                    max_tokens=500,
                    system=REFUND_POLICY,
                    messages=[{"role": "user", "content": question}],
                )
                return msg.content[0].text
        """,
        extra={
            "kb/nightly.py": """
                import anthropic  # the worker module imports the SDK for its own error types

                from kb.replies import SupportBot


                def backlog(questions):
                    bot = SupportBot()
                    return [bot.answer(q) for q in questions]
            """,
        },
    )
    result = project(files, select=["LA502", "LA503"])
    # the request is sent once per question, from the comprehension that calls answer(): LA503
    # there (a derived call site); the uncached policy prefix is the wrapper's, reported once there
    assert [(f.code, f.path, f.line) for f in result.findings] == [("LA503", "kb/nightly.py", 9), ("LA502", "kb/replies.py", 10)]
    msg = result.findings[1].message
    assert "`answer()` is called in a loop (kb/nightly.py:9)" in msg
    assert [(r.path, r.line) for r in result.findings[1].related] == [("kb/nightly.py", 9)]


def test_bedrock_converse_gets_a_cache_point(project):
    files = _kb_app(
        """
        runtime = boto3.client("bedrock-runtime")


        def answer_all(questions):
            out = []
            for q in questions:
                out.append(runtime.converse(
                    modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
                    system=[{"text": REFUND_POLICY}],
                    messages=[{"role": "user", "content": [{"text": q}]}],
                    inferenceConfig={"maxTokens": 400},
                ))
            return out
        """,
        imports="import boto3\n\nfrom kb.policies import REFUND_POLICY\n",
    )
    result = project(files, select=["LA502"])
    assert codes(result) == ["LA502"]
    assert "cachePoint" in result.findings[0].message
    done = cli("fix", "--unsafe-fixes", "--select", "LA502", "--no-cache", ".", cwd=project.root)
    assert done.returncode == 0, done.stderr
    text = (project.root / "kb/replies.py").read_text()
    assert 'system=[{"text": REFUND_POLICY}, {"cachePoint": {"type": "default"}}],' in text and parses(text) is None
    assert "LA502" not in cli("check", "--select", "LA502", "--no-cache", ".", cwd=project.root).stdout


# ---------------------------------------------------------------- LA501
OPENAI_DATE_FIRST = """
client = OpenAI()


def answer(question: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o",
        max_tokens=500,
        messages=[
            {"role": "system", "content": f"Today is {datetime.now():%Y-%m-%d}. " + REFUND_POLICY},
            {"role": "user", "content": question},
        ],
    )
    return resp.choices[0].message.content
"""
OPENAI_IMPORTS = "from datetime import datetime\n\nfrom openai import OpenAI\n\nfrom kb.policies import REFUND_POLICY\n"


def test_current_date_before_the_policy_busts_the_openai_cache(project):
    result = project(_kb_app(OPENAI_DATE_FIRST, imports=OPENAI_IMPORTS), select=["LA501", "LA502", "LA503"])
    assert codes(result) == ["LA501"]
    f = result.findings[0]
    assert f.line == 11 and f.severity == "warning"
    assert "datetime.now()" in f.message and "changes on every call" in f.message
    assert "Order it as: static system text -> `datetime.now()` -> `question`" in f.message
    # gpt-4o: $2.50 input, $1.25 cached; counted exactly with o200k_base
    from auditor.cost.tokens import count_tokens

    policy_text = policy_module().split('REFUND_POLICY = """', 1)[1].rsplit('"""', 1)[0]
    tokens = count_tokens(". " + policy_text, "gpt-4o").tokens
    assert f"{tokens:,} tokens of static text" in f.message, f.message
    # "Today is " alone is below the minimum, so reordering would cache it too
    lost = tokens + count_tokens("Today is ", "gpt-4o").tokens
    assert f"so {lost:,} tokens are never read from the cache" in f.message
    assert abs(f.savings.usd_per_month - lost * (2.5 - 1.25) * 0.9 / 1e6 * 10_000) < 0.01


def test_date_after_the_policy_is_fine(project):
    body = OPENAI_DATE_FIRST.replace(
        'f"Today is {datetime.now():%Y-%m-%d}. " + REFUND_POLICY', 'REFUND_POLICY + f"\\n\\nToday is {datetime.now():%Y-%m-%d}."'
    )
    result = project(_kb_app(body, imports=OPENAI_IMPORTS), select=["LA501", "LA502"])
    assert codes(result) == []


def test_claude_with_a_volatile_prefix_in_a_loop_reports_only_la501(project):
    body = CLAUDE_LOOP.replace("system=REFUND_POLICY,", 'system=f"Request {uuid.uuid4()}\\n" + REFUND_POLICY,')
    result = project(_kb_app(body, imports="import uuid\n\nimport anthropic\n\nfrom kb.policies import REFUND_POLICY\n"), select=["LA501", "LA502"])
    assert codes(result) == ["LA501"]  # one cause, one finding
    assert "cache breakpoint" in result.findings[0].message


def test_user_value_first_is_reported_with_its_kind(project):
    body = OPENAI_DATE_FIRST.replace(
        'f"Today is {datetime.now():%Y-%m-%d}. " + REFUND_POLICY', 'f"The customer is {customer_name}. " + REFUND_POLICY'
    ).replace("def answer(question: str)", "def answer(question: str, customer_name: str)")
    result = project(_kb_app(body, imports=OPENAI_IMPORTS), select=["LA501"])
    assert codes(result) == ["LA501"]
    assert "`customer_name`" in result.findings[0].message and "is dynamic" in result.findings[0].message


# ---------------------------------------------------------------- where none of them apply
def test_streaming_in_a_loop_is_not_a_batch_candidate(project):
    body = """
    client = anthropic.Anthropic()


    def live_replies(tickets):
        for ticket in tickets:
            with client.messages.stream(
                model="claude-sonnet-4-5",
                max_tokens=600,
                system=[{"type": "text", "text": REFUND_POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": ticket}],
            ) as stream:
                yield from stream.text_stream
    """
    result = project(_kb_app(body), select=["LA501", "LA502", "LA503"])
    assert codes(result) == []


def test_cache_control_already_set_in_a_helper(project):
    body = """
    client = anthropic.Anthropic()


    def cached_system():
        return [{"type": "text", "text": REFUND_POLICY, "cache_control": {"type": "ephemeral"}}]


    def draft_replies(tickets):
        return [
            client.messages.create(model="claude-sonnet-4-5", max_tokens=600, system=cached_system(),
                                   messages=[{"role": "user", "content": t}]).content[0].text
            for t in tickets
        ]
    """
    result = project(_kb_app(body), select=["LA502"])
    assert codes(result) == []


def test_short_prompt_in_a_loop_is_below_the_cache_minimum(project):
    body = CLAUDE_LOOP.replace("system=REFUND_POLICY,", 'system="You draft short, polite replies to support tickets.",')
    result = project(_kb_app(body, imports="import anthropic\n"), select=["LA501", "LA502", "LA503"])
    assert codes(result) == ["LA503"]


def test_single_call_outside_any_loop_is_not_repeated(project):
    body = """
    client = anthropic.Anthropic()


    def draft_reply(ticket: str) -> str:
        msg = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=600,
            system=REFUND_POLICY,
            messages=[{"role": "user", "content": ticket}],
        )
        return msg.content[0].text
    """
    result = project(_kb_app(body), select=["LA501", "LA502", "LA503"])
    assert codes(result) == []


def test_openai_static_prefix_is_cached_automatically(project):
    body = """
    client = OpenAI()


    def label(reviews):
        out = []
        for review in reviews:
            resp = client.chat.completions.create(
                model="gpt-4o-mini",
                max_tokens=10,
                messages=[{"role": "system", "content": REFUND_POLICY}, {"role": "user", "content": review}],
            )
            out.append(resp.choices[0].message.content)
        return out
    """
    result = project(_kb_app(body, imports="from openai import OpenAI\n\nfrom kb.policies import REFUND_POLICY\n"), select=["LA501", "LA502", "LA503"])
    assert codes(result) == ["LA503"]
    assert "OpenAI Batch API" in result.findings[0].message


def test_unknown_kwargs_could_carry_the_breakpoint(project):
    body = """
    client = anthropic.Anthropic()


    def draft_replies(tickets, **options):
        for t in tickets:
            yield client.messages.create(model="claude-sonnet-4-5", max_tokens=600, system=REFUND_POLICY,
                                         messages=[{"role": "user", "content": t}], **options)
    """
    result = project(_kb_app(body), select=["LA502"])
    assert codes(result) == []
    strict = project(_kb_app(body), select=["LA502"], policy="strict: true\n")
    assert codes(strict) == ["LA502"]


# ---------------------------------------------------------------- LA503 loop shapes
def _openai_loop(loop_body: str) -> dict:
    return {
        "jobs.py": "from openai import OpenAI\n\nclient = OpenAI()\n\n\n" + textwrap.dedent(loop_body),
    }


def test_retry_and_fixed_variant_loops_are_not_batch_work(project):
    result = project(
        _openai_loop(
            """
            def ask(question):
                for attempt in range(3):
                    try:
                        return client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=[{"role": "user", "content": question}])
                    except TimeoutError:
                        pass


            def compare(question):
                return {m: client.chat.completions.create(model=m, max_tokens=50, messages=[{"role": "user", "content": question}])
                        for m in ["gpt-4o", "gpt-4o-mini"]}


            def first_yes(items):
                for item in items:
                    r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=1, messages=[{"role": "user", "content": item}])
                    if r.choices[0].message.content == "yes":
                        return item
            """
        ),
        select=["LA503"],
    )
    assert codes(result) == []


def test_agent_loop_that_feeds_answers_back_is_not_batch_work(project):
    result = project(
        _openai_loop(
            """
            def refine(draft, rounds):
                for _ in rounds:
                    resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=400,
                                                          messages=[{"role": "user", "content": f"Improve: {draft}"}])
                    draft = resp.choices[0].message.content
                return draft
            """
        ),
        select=["LA503"],
    )
    assert codes(result) == []


def test_async_gather_over_a_comprehension_is_batch_work(project):
    files = {
        "jobs.py": textwrap.dedent(
            """
            import asyncio

            from openai import AsyncOpenAI

            aclient = AsyncOpenAI(timeout=20)


            async def headlines(reviews):
                return await asyncio.gather(*[
                    aclient.chat.completions.create(model="gpt-4o-mini", max_tokens=24, messages=[{"role": "user", "content": r}])
                    for r in reviews
                ])
            """
        )
    }
    result = project(files, select=["LA503"])
    assert codes(result) == ["LA503"]
    assert "over `reviews`" in result.findings[0].message


def test_batch_saving_is_half_the_estimated_cost(project):
    result = project(
        _openai_loop(
            """
            def tag(reviews):
                return [client.chat.completions.create(model="gpt-4o", max_tokens=100, messages=[{"role": "user", "content": f"Tag: {r}"}]) for r in reviews]
            """
        ),
        select=["LA503"],
        policy="usage:\n  monthly-calls: 2000\n",
    )
    f = result.findings[0]
    est = result.cost.estimate(result.project.call_sites()[0])
    full = (est.input_tokens * 2.5 + est.output_tokens * 10.0) / 1e6
    assert abs(f.savings.usd_per_month - full * 0.5 * 2000) < 0.001


def test_call_in_a_notebook_loop_is_reported_in_its_cell(project, tmp_path):
    from conftest import notebook

    nb = notebook(
        "from openai import OpenAI\nclient = OpenAI()\nrows = open('rows.txt').read().splitlines()\n",
        "labels = []\nfor row in rows:\n    r = client.chat.completions.create(model='gpt-4o-mini', max_tokens=5, messages=[{'role': 'user', 'content': row}])\n    labels.append(r)\n",
    )
    result = project({"explore.ipynb": nb}, select=["LA503"])
    assert codes(result) == ["LA503"]
    f = result.findings[0]
    assert (f.cell, f.line) == (1, 3)


def test_long_static_document_in_the_user_message_gets_advice_but_no_system_fix(project):
    body = """
    client = anthropic.Anthropic()


    def check_claims(claims):
        for claim in claims:
            yield client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=300,
                system="You check refund claims against the policy.",
                messages=[{"role": "user", "content": [
                    {"type": "text", "text": REFUND_POLICY},
                    {"type": "text", "text": claim},
                ]}],
            )
    """
    result = project(_kb_app(body), select=["LA501", "LA502"])
    assert codes(result) == ["LA502"]
    f = result.findings[0]
    assert f.fix is None  # a breakpoint after the short system prompt would cache too little
    assert "in its content block" in f.message


def test_examples_app_shows_caching_and_hygiene_findings():
    import json as _json

    from conftest import REPO

    out = cli("check", "examples/", "--no-cache", "--exit-zero", "--output-format", "json", "--select", "LA5,LA6", cwd=REPO)
    found = {(f["code"], f["path"].split("/")[-1], f.get("call_site_id", "").split("::")[-1]) for f in _json.loads(out.stdout)}
    assert ("LA502", "llm.py", "LLMClient.answer_ticket#1") in found
    assert ("LA502", "llm.py", "LLMClient.stream_chat_reply#1") in found
    assert ("LA503", "pipeline.py", "tag_topics#1") in found
    assert ("LA601", "pipeline.py", "extract_complaints#1") in found
    assert not [f for f in found if f[0] == "LA601" and "extract_fields" in f[2]]  # it sets response_format


def test_a_constant_shared_with_another_provider_is_not_repetition(project):
    body = """
    claude = anthropic.Anthropic()
    gpt = OpenAI()


    def draft(ticket: str) -> str:
        msg = claude.messages.create(model="claude-sonnet-4-5", max_tokens=600, system=REFUND_POLICY,
                                     messages=[{"role": "user", "content": ticket}])
        return msg.content[0].text


    def draft_cheaply(ticket: str) -> str:
        resp = gpt.chat.completions.create(model="gpt-4o-mini", max_tokens=600,
                                           messages=[{"role": "system", "content": REFUND_POLICY}, {"role": "user", "content": ticket}])
        return resp.choices[0].message.content
    """
    imports = "import anthropic\nfrom openai import OpenAI\n\nfrom kb.policies import REFUND_POLICY\n"
    assert codes(project(_kb_app(body, imports=imports), select=["LA502"])) == []
    # the same constant sent by two Claude calls does share one cache
    body2 = body.replace('gpt.chat.completions.create(model="gpt-4o-mini"', 'claude.messages.create(model="claude-sonnet-4-5"').replace(
        'messages=[{"role": "system", "content": REFUND_POLICY}, {"role": "user", "content": ticket}])', 'system=REFUND_POLICY, messages=[{"role": "user", "content": ticket}])'
    )
    result = project(_kb_app(body2, imports=imports), select=["LA502"])
    assert codes(result) == ["LA502", "LA502"]
    assert all("the same prompt is sent by 2 call sites" in f.message for f in result.findings)


def test_chunks_of_one_text_are_not_batch_work_but_chunks_of_many_documents_are(project):
    # a map-reduce summary of one long document and the quotes of one article: the chunks exist
    # because the text is too long for one request, and the caller waits for the combined answer
    one_text = _openai_loop(
        """
        from langchain_text_splitters import RecursiveCharacterTextSplitter


        def chunk_text(text, size=2000):
            return [text[i:i + size] for i in range(0, len(text), size)]


        def summarize_long_document(text: str) -> str:
            chunks = chunk_text(text)
            partial = [client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": "Summarize: " + c}]).choices[0].message.content for c in chunks]
            final = client.chat.completions.create(model="gpt-4o", max_tokens=800, messages=[{"role": "user", "content": "Combine these summaries:\\n" + "\\n".join(partial)}])
            return final.choices[0].message.content


        def quotes_of(article_text, article_chunks=None):
            if not article_chunks:
                article_chunks = RecursiveCharacterTextSplitter(chunk_size=4000).split_text(article_text)
            found = []
            for chunk in article_chunks:
                r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": "Quote the key lines: " + chunk}])
                found.append(r.choices[0].message.content)
            return found
        """
    )
    assert codes(project(one_text, select=["LA503"])) == []

    # look-alikes that stay batch work: every document's chunks in a loop over documents, a splitter over a
    # list of documents, and chunks handed to an indexer's method
    many = _openai_loop(
        """
        def chunk_text(text, size=2000):
            return [text[i:i + size] for i in range(0, len(text), size)]


        def summarize_corpus(docs):
            out = []
            for doc in docs:
                for chunk in chunk_text(doc):
                    out.append(client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": chunk}]))
            return out


        def label_pages(splitter, documents):
            pieces = splitter.split_documents(documents)
            return [client.chat.completions.create(model="gpt-4o-mini", max_tokens=20, messages=[{"role": "user", "content": p.page_content}]) for p in pieces]


        def tag_chunks(chunks):
            for chunk in chunks:
                chunk["tags"] = client.chat.completions.create(model="gpt-4o-mini", max_tokens=20, messages=[{"role": "user", "content": chunk["text"]}])
            return chunks
        """
    )
    result = project(many, select=["LA503"])
    assert [(f.code, f.line) for f in result.findings] == [("LA503", 15), ("LA503", 21), ("LA503", 26)]


def test_the_items_of_one_lambda_invocation_are_not_batch_work(project):
    # a reward Lambda of a reinforcement fine-tuning job scores the samples of the event it was
    # invoked with while the trainer waits; the same scoring over a file of samples stays batch work
    files = _openai_loop(
        """
        import json


        def evaluate_sample(sample):
            r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": "Grade: " + sample["answer"]}])
            return float(r.choices[0].message.content)


        def lambda_handler(event, context):
            samples = event
            scores = []
            for sample in samples:
                scores.append({"id": sample["id"], "aggregate_reward_score": evaluate_sample(sample)})
            return scores


        def score_file(path):
            return [evaluate_sample(json.loads(line)) for line in open(path)]
        """
    )
    result = project(files, select=["LA503"])
    assert [(f.code, f.line) for f in result.findings] == [("LA503", 24)]
