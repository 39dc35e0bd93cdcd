"""The API layer: Easypromos and Ezepo clients, typed models and errors (no Textual here).

- `easypromos.EasypromosClient`: paced, retried, paginated; journaled coin transactions.
- `ezepo.EzepoClient`: key added at send time; `fetch_list` runs the job (see `fetchjob`).
- `endpoints` holds every path; `models` the typed resources (a coin transaction, Ezepo's lists and
  affiliates; other records stay raw, see tui/declarations.py); `errors` the typed errors.
- `transport` (client set-up, decoding, error mapping), `pacing`, `retry`, `journal`.
"""
