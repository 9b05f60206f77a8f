from kam.cli import main

main()
