from mock_iovox.cli import main

main()
