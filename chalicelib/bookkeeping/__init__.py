"""Use cases that span billing, the company profile and the ledger, standing above all three (the transports call
them): initializing the books with the documents issued before, and changing the company profile under the books'
freeze."""
