"""Nightly review pipeline: label sentiment, tag topics, extract complaint themes, write the digest."""

from __future__ import annotations

import json
import os

import pandas as pd
from openai import OpenAI

from insights_app.llm import LLMClient

client = OpenAI(timeout=30, max_retries=3)

TOPICS = ["blending", "heating", "brewing", "cleaning", "delivery", "price", "other"]


def load_reviews() -> pd.DataFrame:
    reviews = pd.read_csv("data/reviews.csv")
    return reviews.dropna(subset=["text"])


def label_sentiment(llm: LLMClient, reviews: pd.DataFrame) -> pd.DataFrame:
    labels = []
    for _, row in reviews.iterrows():
        labels.append(llm.classify_sentiment(row["text"]))
    return reviews.assign(sentiment=labels)


def tag_topics(reviews: pd.DataFrame) -> list[str]:
    tags = []
    for review in reviews["text"]:
        resp = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": f"Tag the review with one topic from: {', '.join(TOPICS)}."},
                {"role": "user", "content": review},
            ],
            max_tokens=5,
            stop=["\n"],
        )
        tags.append(resp.choices[0].message.content.strip())
    return tags


def extract_complaints(reviews: pd.DataFrame) -> list[dict]:
    negative = reviews.loc[reviews["rating"] <= 2, ["review_id", "customer_email", "product", "text"]]
    prompt = (
        "Group these negative reviews into complaint themes. Return JSON shaped like "
        '{"themes": [{"theme": "...", "product": "...", "review_ids": ["..."]}]}.\n\n'
        f"{negative.to_json(orient='records')}"
    )
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": prompt}],
        max_tokens=800,
    )
    return json.loads(resp.choices[0].message.content)["themes"]


def weekly_digest(reviews: pd.DataFrame) -> str:
    by_product = reviews.groupby("product")["rating"].agg(["mean", "count"]).round(2)
    resp = client.chat.completions.create(
        model=os.getenv("INSIGHTS_MODEL", "o3-mini"),
        messages=[
            {
                "role": "user",
                "content": (
                    "Write the weekly review digest for the product team: three findings and "
                    f"one recommendation.\n\nRatings by product:\n{by_product.to_string()}"
                ),
            }
        ],
        max_tokens=1500,
    )
    return resp.choices[0].message.content


def ask_about_reviews(question: str, **kwargs) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You answer questions about Brightleaf's customer reviews."},
            {"role": "user", "content": question},
        ],
        **kwargs,
    )
    return resp.choices[0].message.content


def draft_replies(llm: LLMClient, tickets: list[str]) -> list[str]:
    return [llm.answer_ticket(ticket) for ticket in tickets]


def main() -> None:
    llm = LLMClient()
    reviews = label_sentiment(llm, load_reviews())
    reviews["topic"] = tag_topics(reviews)
    themes = extract_complaints(reviews)
    print(llm.summarize(reviews[reviews["sentiment"] == "negative"]))
    print(weekly_digest(reviews))
    print(ask_about_reviews("Which product has the most delivery complaints?", max_tokens=200))
    escalations = reviews.loc[reviews["rating"] == 1, "text"].tolist()
    for reply in draft_replies(llm, escalations):
        print(reply)
    print(json.dumps(themes, indent=2))


if __name__ == "__main__":
    main()
