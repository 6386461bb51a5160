"""Who may act: people linked to units by invitation on a channel (`people`), the web
dashboard's sign-in and what a viewer may see (`weblogin`), and the signed links sent in
e-mails and texts (`signed`). May import models.engine and the rooms below it."""
