"""Engines that run the stage cores: ``local`` (this process) or ``ray`` (a Ray cluster)."""
