from cclibs.cli.main import main

main()
