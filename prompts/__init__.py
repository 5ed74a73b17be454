"""Prompt templates, one Jinja file per call site (rendered by ``llm.prompts``). A package only so the
templates ship with the distribution."""
