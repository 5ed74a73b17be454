"""Training: data builders from the warehouse, rewards, the tiny offline model, and the TRL trainers
(SFT, long-context GRPO, agentic-memory GRPO). Heavy libraries (torch, transformers, TRL) are imported
inside functions, so importing this package costs nothing for code that does not train."""
