print("Benchmarks: see Benchmarks/README.md")
