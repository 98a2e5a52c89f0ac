print("GlossaBench: placeholder")
