# shopt: globstar, nullglob, dotglob
mkdir -p p/a/b p/c && touch p/x.py p/a/y.py p/a/b/z.py p/c/w.txt p/.h.py
shopt -s globstar; echo p/**/*.py; echo p/**; for f in p/**/*.txt; do echo "f=$f"; done
echo none*.zz; shopt -s nullglob; echo "[" none*.zz "]"; shopt -u nullglob
echo p/*.py; shopt -s dotglob; echo p/*.py; shopt -u dotglob
shopt globstar; shopt -q nullglob; echo "q=$?"
shopt -s extglob; echo ok
