from fieldnotes.cli.main import main

main()
