print("connect-server: not implemented yet")
