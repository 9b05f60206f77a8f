"""The bundled example (kam.yaml, customers.xlsx): shipped in the package as kam.examples,
for `kam init --sample`."""
