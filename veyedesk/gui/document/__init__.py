"""The talk being edited as the windows see it: a draft with its undo stack (`episode`), plus
read-only mode and the state field (`editable`). Shared by the editor and the play window."""
