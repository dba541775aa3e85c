#!/bin/sh
# Streaming child in POSIX sh + awk: Hama's summation example.  Every peer sums the
# values of its records and sends the sum to peer 0, which writes the total as "Sum".
rd() { IFS= read -r REPLY || exit 3; }
expect() { rd; [ "$REPLY" = "$1" ] || { echo "expected $1, got $REPLY" >&2; exit 4; }; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.10g\n", a + b }'; }

expect "%0%="
rd                                  # protocol version
expect "%1%="
rd; n=$REPLY
i=0
while [ "$i" -lt "$n" ]; do rd; i=$((i + 1)); done
echo "%ACK_0%="
expect "%3%="
echo "%ACK_3%="
expect "%4%="
sum=0
while :; do
  echo "%6%="; rd; k=$REPLY; rd; v=$REPLY
  [ "$k" = "%%-1%%" ] && break
  sum=$(add "$sum" "$v")
done
echo "%13%="; echo 0; rd; master=$REPLY
echo "%10%="; echo "$master"; echo "$sum"
echo "%24%="; echo "pipes"; echo "sum_sh_peers"; echo 1
echo "%11%="; expect "%11%=_SUCCESS"
echo "%14%="; rd; idx=$REPLY
if [ "$idx" = 0 ]; then
  total=0
  echo "%9%="; rd; count=$REPLY
  while :; do
    echo "%8%="; rd
    [ "$REPLY" = "%%-1%%" ] && break
    total=$(add "$total" "$REPLY")
  done
  echo "%7%="; echo "Sum"; echo "$total"
  echo "%31%=master got $count sums"
fi
echo "%ACK_4%="
expect "%5%="
echo "%ACK_5%="
echo "%22%="
echo "%21%="
