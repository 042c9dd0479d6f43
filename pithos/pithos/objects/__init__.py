"""The object tree: accounts, containers, objects, their versions, sharing and public links."""
