"""Quality measurement against gold data: readers for gold formats, span scoring, commands."""
