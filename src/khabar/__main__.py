from khabar.cli.main import main

main()
