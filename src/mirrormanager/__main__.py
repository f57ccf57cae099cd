from mirrormanager.cli.main import main

main()
