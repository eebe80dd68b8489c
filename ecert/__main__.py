from ecert.cli import main

main()
