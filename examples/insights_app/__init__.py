"""Review Insights: LLM helpers for Brightleaf's product-review analytics and support desk."""

from insights_app.llm import LLMClient

__all__ = ["LLMClient"]
__version__ = "0.4.2"
