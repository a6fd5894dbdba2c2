"""Fresh set 9's LA606 false classes (prec14a, session 16), each as a realistic true case beside the
look-alike that must stay silent: an answer parsed in a retry loop that asks again (a validated
retry, through a wrapper or at the call), a title bounded by "a 4-word or less title", and a few
search queries counted by the prompt."""

from __future__ import annotations

from conftest import codes

# ---------------------------------------------------------------- validated retry through a wrapper
UTILS = '''
    from openai import AsyncOpenAI


    async def make_api_call(client: AsyncOpenAI, messages: list, **kwargs) -> str:
        response = await client.chat.completions.create(messages=messages, **kwargs)
        return response.choices[0].message.content
'''

INTENTS = '''
    import json

    from openai import AsyncOpenAI
    from pydantic import BaseModel

    from app.utils import make_api_call


    class Intent(BaseModel):
        intent: str
        reason: str


    async def parse_and_validate_response(response_text: str) -> dict:
        data = json.loads(response_text)
        return {"intents": [Intent(**i).model_dump() for i in data["intents"]]}


    async def call_with_retry(messages: list, max_retries: int = 5) -> dict:
        client = AsyncOpenAI()
        for attempt in range(max_retries):
            response_text = ""
            try:
                response_text = await make_api_call(client, messages, model="gpt-4o-mini", temperature=0.0, max_tokens=1000)
                return await parse_and_validate_response(response_text)
            except Exception as e:
                if attempt == max_retries - 1:
                    raise
                messages.extend([
                    {"role": "assistant", "content": response_text},
                    {"role": "user", "content": f"Your previous response resulted in an error: {e}. Reply with valid JSON."},
                ])
        raise Exception("Max retries reached without successful validation")
'''


def test_la606_wrapper_answer_validated_in_a_retry_loop_is_silent(project):
    files = {"app/__init__.py": "", "app/utils.py": UTILS, "app/intents.py": INTENTS}
    assert codes(project(files, select=["LA606"])) == []


def test_la606_wrapper_answer_with_a_fallback_in_the_handler_still_reports(project):
    fallback = INTENTS.replace(
        "                if attempt == max_retries - 1:\n                    raise\n",
        '                return {"intents": []}  # a cut reply is dropped, not asked for again\n',
    )
    assert fallback != INTENTS
    files = {"app/__init__.py": "", "app/utils.py": UTILS, "app/intents.py": fallback}
    assert codes(project(files, select=["LA606"])) == ["LA606"]


# ---------------------------------------------------------------- validated retry at the call
def _extractor(loop: str, handler: str) -> dict:
    return {"extract.py": f'''
        import json

        from openai import OpenAI

        client = OpenAI()


        def extract_all(docs: list[str]) -> list[dict]:
            out = []
            {loop}
                resp = client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{{"role": "user", "content": "Extract the parties and obligations of this contract as JSON:\\n" + docs[0]}}],
                    max_tokens=800,
                )
                text = resp.choices[0].message.content
                try:
                    out.append(json.loads(text))
                    break
                except json.JSONDecodeError:
                    {handler}
            return out
    '''}


def test_la606_answer_parsed_in_a_retry_loop_that_asks_again_is_silent(project):
    assert codes(project(_extractor("for attempt in range(3):", "continue"), select=["LA606"])) == []


def test_la606_answer_parsed_in_a_loop_over_data_that_skips_the_item_still_reports(project):
    files = _extractor("for doc in docs:", "continue")
    files["extract.py"] = files["extract.py"].replace("break\n", "pass\n").replace("docs[0]", "doc")
    assert codes(project(files, select=["LA606"])) == ["LA606"]


# ---------------------------------------------------------------- a hyphenated word bound
def _titler(ask: str, cap: int) -> dict:
    return {"app.py": f'''
        from openai import AsyncOpenAI

        client = AsyncOpenAI()


        async def generate_title(conversation: str) -> str:
            messages = [
                {{"role": "system", "content": "{ask} Do not use any quotation marks or punctuation."}},
                {{"role": "user", "content": conversation}},
            ]
            response = await client.chat.completions.create(model="gpt-4o", messages=messages, temperature=1, max_tokens={cap})
            title = response.choices[0].message.content
            return title
    '''}


def test_la606_four_word_or_less_title_under_a_64_token_cap_is_silent(project):
    ask = "Summarize the conversation so far into a 4-word or less title."
    assert codes(project(_titler(ask, 64), select=["LA606"])) == []


def test_la606_hyphenated_bound_near_the_cap_still_reports(project):
    ask = "Summarize the conversation so far into a 60-word or less summary."
    assert codes(project(_titler(ask, 64), select=["LA606"])) == ["LA606"]


# ---------------------------------------------------------------- N search queries
def _queries(ask: str) -> dict:
    return {"enhancer.py": f'''
        from openai import OpenAI

        client = OpenAI()

        SYSTEM = """## Instruction
        The user will provide you with a Weights & Biases related question.
        {ask}
        Respond only with a list delimited by new-lines and no other text.
        """


        def generate_queries(query: str) -> list[str]:
            response = client.chat.completions.create(
                model="gpt-4o-mini",
                max_tokens=500,
                messages=[{{"role": "system", "content": SYSTEM}}, {{"role": "user", "content": f"## Question\\n{{query}}"}}],
            )
            return response.choices[0].message.content.splitlines()
    '''}


def test_la606_five_search_queries_under_a_500_token_cap_are_silent(project):
    ask = "Your goal is to generate 5 distinct search queries so that relevant information can be gathered from the web."
    assert codes(project(_queries(ask), select=["LA606"])) == []


def test_la606_five_articles_under_the_same_cap_still_report(project):
    ask = "Your goal is to write 5 distinct articles so that the question is covered from every side."
    assert codes(project(_queries(ask), select=["LA606"])) == ["LA606"]
