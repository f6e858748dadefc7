"""The headless commands, one module each (`exosuit ask`, `apply`, `config`); `common` holds what
every command shares, the TUI's included: the repository, the settings, the exit codes."""
