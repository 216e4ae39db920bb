from headless_engine.cli import main

main()
