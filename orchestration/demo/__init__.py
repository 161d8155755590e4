"""Demo data: realistic inbound files with the mess of real ones, and the truth they encode."""

from orchestration.demo.generate import DemoSummary, generate_demo

__all__ = ["DemoSummary", "generate_demo"]
