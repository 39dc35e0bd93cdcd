"""The API layer: Easypromos and Ezepo clients, typed models and errors (no Textual here).

Entry points: `tui.api.easypromos.EasypromosClient` and `tui.api.ezepo.EzepoClient`.
"""
