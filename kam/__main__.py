from kam.launch import main

main()
