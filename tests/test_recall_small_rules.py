"""LA202, LA303 and LA605 on the recall corpus (docs/precision.md, "Session 14: the loop and text rules
on the recall corpus"), each false class beside the true case it resembles:

- LA202: a worked example's fields (``- Answer:`` and its bullets, ``AI Response:``, ``# Q:``) repeat by design;
- LA303: a Gemini request that answers with images edits the picture it is sent; a ``video/mp4`` part is no image;
- LA605: a ``while True`` chat that reads the user's next message each pass is driven by the user.
"""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 12, 1)


def _codes(project, files, code):
    return [f for f in project(files, select=[code], today=TODAY).findings if f.code == code]


# ---------------------------------------------------------------- LA202: worked examples
FEW_SHOT = '''
import cohere

co = cohere.ClientV2()

faq_tech_support = """- Question: My internet connection is slow. How can I improve my mobile data speed?
- Answer:
  - Check your signal strength and move to an area with better coverage.
  - Restart your device and try connecting again.
  - Consider upgrading your plan for faster speeds.

- Question: I can't connect to my mobile network. What should I do?
- Answer:
  - Check your SIM card is inserted correctly and not damaged.
  - Restart your device and try connecting again.
  - Contact customer support for further assistance.
"""


def reply(question):
    prompt = f"""INSTRUCTIONS Answer the question using these FAQs.

{faq_tech_support}

- Question: {question}
- Answer:"""
    return co.chat(model="command-r-plus-08-2024", max_tokens=300, messages=[{"role": "user", "content": prompt}])
'''


def test_an_answer_repeated_across_worked_examples_is_data(project):
    assert _codes(project, {"support.py": FEW_SHOT.replace("INSTRUCTIONS", "")}, "LA202") == []


def test_the_same_sentence_repeated_in_the_instructions_is_reported(project):
    src = FEW_SHOT.replace("INSTRUCTIONS", "Always tell them to restart the device and try connecting again.\nAlways tell them to restart the device and try connecting again.\n")
    assert len(_codes(project, {"support.py": src}, "LA202")) == 1


# ---------------------------------------------------------------- LA303: images back, video parts
GEMINI = '''
from google import genai
from google.genai import types

client = genai.Client()
with open("room.png", "rb") as f:
    image = f.read()

response = client.models.generate_content(
    model=MODEL,
    contents=[types.Part.from_bytes(data=image, mime_type=MIME), "Change the wall colour to light blue."],
    CONFIG
)
'''


def test_an_image_edit_request_sends_the_picture_it_redraws(project):
    src = GEMINI.replace("MODEL", '"gemini-2.5-flash"').replace("MIME", '"image/png"').replace("CONFIG", 'config=types.GenerateContentConfig(response_modalities=["TEXT", "IMAGE"]),')
    assert _codes(project, {"edit.py": src}, "LA303") == []


def test_a_video_part_is_not_an_image(project):
    src = GEMINI.replace("MODEL", '"gemini-2.5-flash"').replace("MIME", '"video/mp4"').replace("CONFIG", "").replace("room.png", "clip.mp4")
    assert _codes(project, {"edit.py": src}, "LA303") == []


def test_a_photo_described_as_text_is_still_reported(project):
    src = GEMINI.replace("MODEL", '"gemini-2.5-flash"').replace("MIME", '"image/png"').replace("CONFIG", 'config=types.GenerateContentConfig(response_modalities=["TEXT"]),').replace("Change the wall colour to light blue.", "Describe the mood of this room.")
    assert len(_codes(project, {"edit.py": src}, "LA303")) == 1


# ---------------------------------------------------------------- LA605: a chat driven by the user
CHAT = '''
from mistralai import Mistral

client = Mistral()
tools = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {}}}}]
messages = []

while True:
    QUESTION
    response = client.chat.complete(model="mistral-large-latest", messages=messages, tools=tools, max_tokens=500)
    messages.append(response.choices[0].message)
    for tool_call in response.choices[0].message.tool_calls or []:
        messages.append({"role": "tool", "name": tool_call.function.name, "content": "[]", "tool_call_id": tool_call.id})
'''


def test_a_chat_that_asks_the_user_each_turn_is_not_an_agent_loop(project):
    src = CHAT.replace("QUESTION", 'messages.append({"role": "user", "content": input("Ask: ")})')
    assert _codes(project, {"chat.py": src}, "LA605") == []


def test_the_same_loop_without_the_user_is_reported(project):
    src = CHAT.replace("QUESTION", 'messages.append({"role": "user", "content": "Keep searching."})')
    assert len(_codes(project, {"chat.py": src}, "LA605")) == 1
    # judged true on the 21-repo corpus (anthropic-courses): input() only after the assistant's answer,
    # so the model's tool turns run on without the user
    src = CHAT.replace("QUESTION", 'if not messages or messages[-1]["role"] == "assistant":\n        messages.append({"role": "user", "content": input("Ask: ")})')
    assert len(_codes(project, {"chat.py": src}, "LA605")) == 1
