"""`runexp advise`: the search that answers which model and pool size without a grid."""
