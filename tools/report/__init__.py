"""`make report`: what patients asked, what was answered and what was not, from the tracker store.

- store.py     reads the stored events (SQLite by default, PostgreSQL when DATABASE_URL is set)
- turns.py     one Turn per visitor message: its day, channel, outcome, the answers given
- summary.py   the counts a clinic manager reads (per day, per channel, answers, unanswered)
- page.py      results/report.html with the plots embedded (matplotlib, no CDN)
- __main__.py  the command line (`python -m tools.report --since 2026-12-01`)
Plain Python: nothing here imports Rasa.
"""
