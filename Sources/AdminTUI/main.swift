// connect-admin: the operator console (no subcommand) and the scripting CLI.
await ConnectAdminCommand.runMain(Array(CommandLine.arguments.dropFirst()))
