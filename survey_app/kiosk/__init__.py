"""The citizen tablet: caseworker-started sessions, answering made for citizens, shown back."""
